"""What can go wrong with a receipt, and which failures are worth another try."""

import smtplib

from django.db import OperationalError

from config.errors import AppError


class ReceiptNotIssuable(Exception):
    """The payment cannot have a receipt (it never succeeded): permanent."""


class EmailInFlight(Exception):
    """Another attempt holds this e-mail right now: try again later, never send beside it."""


class StoredPdfCorrupt(Exception):
    """The stored PDF does not match its SHA-256: permanent until someone renders it again."""


class ResendTooSoon(AppError):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            message=f"This receipt was e-mailed less than {minutes} minutes ago.",
            code="resend_too_soon",
            status=429,
            retryable=True,
            suggestion=f"Wait {minutes} minutes between two e-mails of one receipt.",
        )


def is_transient(error: BaseException) -> bool:
    """A failure another attempt may not meet: SMTP 4xx and lost connections, storage I/O,
    a database that went away, an e-mail another attempt is sending. SMTP 5xx is permanent.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500 or isinstance(error, smtplib.SMTPConnectError)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False
    return isinstance(error, EmailInFlight | OSError | OperationalError | TimeoutError)
