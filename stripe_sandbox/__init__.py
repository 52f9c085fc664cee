"""A stateful local Stripe API that the official SDK, dj-stripe and browsers use as Stripe.

Standalone (no Django). `python -m stripe_sandbox` serves it; `stripe_sandbox.testing` runs it
in-process for tests.

Map:
- `app.Sandbox`: the request pipeline (auth, validation, idempotency, handler, expand) and
  the components it owns: `store`, `clock`, `idempotency`, `events`, `dispatcher`. Handlers
  get a `routing.Call` carrying a narrow `Context` (store, clock, events), never the sandbox.
- `resources/`: one module per resource family, each declaring the `Resource`s it owns (SDK
  class, id prefix, includable fields) and filling a declarative `Router` with
  `@router.post("/v1/...", stripe.params.XParams)` handlers. `resources/wiring.py` merges them
  and connects the `hooks` through which a family reacts to another: the one place to read
  what else moves when an object changes.
- `control`: the `/_sandbox/...` API (JSON, no key): health, reset, clock, 3-D Secure, Checkout
  complete/expire, faults, webhook chaos, deliveries, and the calls the browser pages make.
- `pages` + `web/`: what a browser loads: the hosted Checkout page (`/c/pay/{id}`), the 3-D
  Secure challenge, and `GET /v3/`, a stripe.js stand-in (embedded Checkout, Elements).
- `faults`: injected 5xx/429, latency and lost answers, applied before the store lock.
- `shapes` builds objects from the SDK classes' annotations; `validation` checks parameters
  against the SDK's `stripe.params` TypedDicts; `cards` holds the test-card table.
"""
