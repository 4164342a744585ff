"""The one error of this app: a refused action, with a Chinese message shown as is and a kind the
pages and the API map to an answer (invalid 400, forbidden 403, not_found 404, conflict 409)."""


class CertificateError(Exception):
    def __init__(self, message: str, *, kind: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field

    def __str__(self):
        return self.message
