"""Receipt use cases: issue (number it), render (PDF), e-mail (exactly once), record failures."""

from receipts.services.emails import (
    receipt_email_give_up,
    receipt_email_request_resend,
    receipt_emails_deliver,
)
from receipts.services.failures import receipt_failure_record, receipt_issue_failure_record
from receipts.services.issue import (
    receipt_finish_stalled,
    receipt_issue,
    receipt_issue_missing,
)
from receipts.services.render import receipt_render_pdf

__all__ = [
    "receipt_email_give_up",
    "receipt_email_request_resend",
    "receipt_emails_deliver",
    "receipt_failure_record",
    "receipt_finish_stalled",
    "receipt_issue",
    "receipt_issue_failure_record",
    "receipt_issue_missing",
    "receipt_render_pdf",
]
