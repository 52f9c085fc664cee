"""The Stripe API, one module per resource family; `wiring` assembles them."""
