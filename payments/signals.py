"""Signals other apps listen to, so that payments never imports them.

`payment_succeeded` is sent inside the transaction that moves a payment to succeeded, once per
payment; receivers that start slow work must do it in `transaction.on_commit`.
"""

from django.dispatch import Signal

payment_succeeded = Signal()
"""Sent with `payment_id` (a UUID) when a payment first reaches succeeded."""
