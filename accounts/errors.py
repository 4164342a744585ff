"""Domain errors of the accounts app. Each carries a Chinese message fit to show as is."""


class AccountError(Exception):
    """A refused account action. Nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        # The form field the message belongs to, so a form can show it in place.
        self.field = field

    def __str__(self):
        return self.message


class AccountNotApproved(AccountError):
    """Notice 一(二): 未审核或审核未通过的账号不能进行教师培训学分登记."""
