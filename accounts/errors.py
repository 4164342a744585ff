"""Domain errors of the accounts app: `core.errors.DomainError`s with a Chinese message fit to
show as is, and the form field it belongs to."""

from core.errors import DomainError


class AccountError(DomainError):
    """A refused account action. Nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None, kind: str | None = None):
        super().__init__(message, field=field, kind=kind)


class AccountNotApproved(AccountError):
    """Notice 一(二): 未审核或审核未通过的账号不能进行教师培训学分登记."""

    default_kind = "forbidden"
