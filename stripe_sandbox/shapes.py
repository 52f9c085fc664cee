"""Objects with every field the SDK's resource classes declare.

`build(stripe.Customer, id=..., ...)` starts from the class's annotations: a nullable field is
`null`, a list `[]`, a hash `{}`, a required nested object its own blank, a scalar its zero and a
single-valued Literal (`object`) that value. Callers then set what the resource means.
"""

from __future__ import annotations

import types
import typing
from typing import Any, ClassVar, ForwardRef, Literal, Union

from stripe._list_object import ListObject
from stripe._object_classes import get_object_class
from stripe._stripe_object import StripeObject, UntypedStripeObject

# `deleted` is carried by deleted objects only.
CONDITIONAL = frozenset({"deleted"})


_declared: dict[type, dict[str, Any]] = {}


def declared_fields(cls: type) -> dict[str, Any]:
    """The instance fields a resource or nested class declares, with their types.

    Only the class's own annotations: the SDK's base classes declare no wire fields, and
    references to other resources stay unresolved `ForwardRef`s inside expandable unions.
    """
    if cls not in _declared:
        _declared[cls] = {
            name: annotation
            for name, annotation in vars(cls).get("__annotations__", {}).items()
            if typing.get_origin(annotation) is not ClassVar
        }
    return _declared[cls]


def default_fields(cls: type[StripeObject], omit: frozenset[str] = frozenset()) -> frozenset[str]:
    """The fields an unexpanded object of this class carries: all it declares but `omit` (the
    fields Stripe includes only on request) and `deleted`."""
    return frozenset(declared_fields(cls)) - omit - CONDITIONAL


def resource_class(object_name: str) -> type[StripeObject] | None:
    """The SDK class of an `object` value (`checkout.session` -> `stripe.checkout.Session`)."""
    cls = get_object_class("V1", object_name)
    return None if cls is StripeObject else cls


def is_expandable(cls: type[StripeObject], field_name: str) -> bool:
    """Whether a field holds an id that `expand[]` may replace: the SDK types it as a union
    of `str` and the resource it names."""
    annotation = declared_fields(cls).get(field_name)
    args = typing.get_args(annotation)
    return str in args and any(
        isinstance(arg, ForwardRef) or (isinstance(arg, type) and issubclass(arg, StripeObject))
        for arg in args
    )


def blank(cls: type) -> dict[str, Any]:
    return {name: empty_value(annotation) for name, annotation in declared_fields(cls).items()}


def build(
    cls: type[StripeObject], *, omit: frozenset[str] = frozenset(), **values: Any
) -> dict[str, Any]:
    """A complete object of `cls`: its default fields (all but `omit`) at their empty values,
    then `values`."""
    fields = default_fields(cls, omit)
    undeclared = set(values) - set(declared_fields(cls))
    if undeclared:
        raise KeyError(f"{cls.__name__} declares no {sorted(undeclared)}")
    obj = {name: value for name, value in blank(cls).items() if name in fields}
    obj.update(values)
    return obj


def nested(cls: type, **values: Any) -> dict[str, Any]:
    """A nested (non-resource) object: every declared field, then `values`."""
    obj = blank(cls)
    undeclared = set(values) - set(obj)
    if undeclared:
        raise KeyError(f"{cls.__name__} declares no {sorted(undeclared)}")
    obj.update(values)
    return obj


def list_object(url: str, data: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"object": "list", "data": data or [], "has_more": False, "url": url}


def empty_value(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        if type(None) in args:
            return None
        return empty_value(args[0])
    if origin is Literal:
        return args[0]
    if origin is list:
        return []
    if origin in (dict, UntypedStripeObject) or annotation is UntypedStripeObject:
        return {}
    if origin is ListObject:
        return list_object("")
    if isinstance(annotation, type) and issubclass(annotation, StripeObject):
        return blank(annotation)
    return _ZEROS.get(annotation)


_ZEROS: dict[Any, Any] = {int: 0, float: 0.0, bool: False, str: ""}
