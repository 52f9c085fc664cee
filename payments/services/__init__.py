"""Payment use cases (writes), one module per family. They own transactions, row locks and state
checks; Stripe is called outside of database transactions, always with an idempotency key derived
from our rows."""
