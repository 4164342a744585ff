"""Writes of the certificates app. Each refuses with ``CertificateError`` (nothing changed) and
writes an audit row (``CertEvent``) in the same transaction as the change."""

from .applications import title_application_mark, title_application_withdraw

__all__ = ["title_application_mark", "title_application_withdraw"]
