"""The one error every refused workflow action raises. Its message is shown to the user as is."""


class TransitionError(Exception):
    """A refused action. `kind` lets the API pick a status code:
    "state" (409: already reviewed / wrong state), "permission" (403), "window" and
    "sealed" (400, outside the calendar), "invalid" (400, bad input)."""

    def __init__(self, message: str, *, kind: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __str__(self):
        return self.message
