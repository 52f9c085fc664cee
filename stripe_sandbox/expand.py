"""`expand[]`: replace ids with the objects they name, along dotted paths.

`latest_charge.balance_transaction` expands the PaymentIntent's charge, then that charge's
balance transaction; on a list, paths start with `data.` and apply to every item. A field that
Stripe only includes on request (a Customer's `sources`) is built by its `Includer`. Expanded
objects are shallow copies: the stored objects are never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stripe_sandbox import errors, shapes
from stripe_sandbox.routing import Includer, JsonObject
from stripe_sandbox.store import Store

MAX_DEPTH = 4

Tree = dict[str, "Tree"]


def expand(
    obj: JsonObject,
    paths: list[str],
    store: Store,
    includers: Mapping[tuple[str, str], Includer],
) -> JsonObject:
    if not paths:
        return obj
    tree: Tree = {}
    for path in paths:
        fields = path.split(".")
        if len(fields) > MAX_DEPTH:
            raise errors.invalid_request(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                param="expand",
            )
        node = tree
        for name in fields:
            node = node.setdefault(name, {})
    return _Expander(store, includers).apply(obj, tree, prefix="")


class _Expander:
    def __init__(self, store: Store, includers: Mapping[tuple[str, str], Includer]) -> None:
        self._store = store
        self._includers = includers

    def apply(self, obj: JsonObject, tree: Tree, prefix: str) -> JsonObject:
        result = dict(obj)
        for name, subtree in tree.items():
            path = f"{prefix}{name}"
            includer = self._includers.get((obj.get("object", ""), name))
            if name not in obj and includer is None:
                raise _not_expandable(path)
            value = includer(self._store, obj) if includer else obj[name]
            if includer is None and not _may_expand(obj, name, value):
                raise _not_expandable(path)
            result[name] = self._expand_value(value, subtree, path)
        return result

    def _expand_value(self, value: Any, subtree: Tree, path: str) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            target = self._store.find(value)
            if target is None:
                raise _not_expandable(path)
            return self.apply(target, subtree, prefix=f"{path}.") if subtree else target
        if isinstance(value, list):
            return [self._expand_value(item, subtree, path) for item in value]
        if isinstance(value, dict):
            return self.apply(value, subtree, prefix=f"{path}.") if subtree else value
        raise _not_expandable(path)


def _may_expand(obj: JsonObject, name: str, value: Any) -> bool:
    """Nested objects and lists are walked; an id field must be declared expandable."""
    if isinstance(value, dict | list):
        return True
    cls = shapes.resource_class(obj.get("object", ""))
    return cls is None or shapes.is_expandable(cls, name)


def _not_expandable(path: str) -> errors.StripeError:
    return errors.invalid_request(f"This property cannot be expanded ({path}).", param="expand")
