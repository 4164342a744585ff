"""The error a refused report action raises; its message is Chinese and shown as is."""


class ReportError(Exception):
    def __init__(self, message: str, *, kind: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __str__(self):
        return self.message
