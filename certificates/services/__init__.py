"""Writes of the certificates app. Each refuses with ``CertificateError`` (nothing changed) and
writes an audit row (``CertEvent``) in the same transaction as the change."""

from .applications import title_application_mark, title_application_withdraw
from .issue import (
                    certificate_batch_run,
                    certificate_batch_start,
                    certificate_issue,
                    certificate_reissue,
                    certificate_revoke,
                    issuer_for_school,
)

__all__ = [
    "certificate_batch_run", "certificate_batch_start", "certificate_issue", "certificate_reissue",
    "certificate_revoke", "issuer_for_school", "title_application_mark", "title_application_withdraw",
]
