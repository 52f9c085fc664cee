"""What a resource module declares about the objects it owns.

Each module under `resources/` names its `Resource`s: the SDK class that gives the object its
shape and `object` name, the id format Stripe uses for it, and the fields Stripe includes only
when a request expands them (a Customer's `sources`). The module then builds and names its
objects through that declaration, and `resources/wiring.py` checks that every includable field
has exactly one includer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stripe._stripe_object import StripeObject

from stripe_sandbox import shapes
from stripe_sandbox.store import JsonObject, random_token


@dataclass(frozen=True)
class Resource:
    cls: type[StripeObject]
    id_prefix: str
    id_length: int
    includable: frozenset[str] = frozenset()
    """Fields left out of the object unless expanded; an `Includer` builds each on request."""

    @property
    def object_name(self) -> str:
        return str(self.cls.OBJECT_NAME)  # type: ignore[attr-defined]

    def new_id(self) -> str:
        return self.id_prefix + random_token(self.id_length)

    def build(self, **values: Any) -> JsonObject:
        """A complete object: every field the SDK class declares except the includable ones,
        at their empty values, then `values`."""
        return shapes.build(self.cls, omit=self.includable, **values)
