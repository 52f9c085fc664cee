"""Request parameter validation driven by the SDK's own `stripe.params.*Params` TypedDicts.

A TypedDict is compiled once into a tree of nodes; checking a decoded request walks the tree,
rejects unknown, missing or ill-typed parameters with Stripe's error codes, and returns the
parameters with their declared Python types (form values arrive as strings).
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ForwardRef, Literal, NotRequired, Required, Union

from stripe._request_options import RequestOptions
from stripe._stripe_object import UntypedStripeObject
from typing_extensions import is_typeddict

from stripe_sandbox import errors

# Client-side options (api_key, idempotency_key...) travel as headers, never as parameters.
_CLIENT_OPTIONS = frozenset(RequestOptions.__annotations__)


class Node:
    """One declared type. `check` returns the value converted to that type or raises."""

    def check(self, value: Any, param: str) -> Any:
        raise NotImplementedError

    def fits_shape(self, value: Any) -> bool:
        """Whether the value's container kind (scalar, list, hash) is the one this node takes."""
        return not isinstance(value, dict | list)


@dataclass(frozen=True)
class AnyValue(Node):
    def check(self, value: Any, param: str) -> Any:
        return value

    def fits_shape(self, value: Any) -> bool:
        return True


@dataclass(frozen=True)
class Text(Node):
    def check(self, value: Any, param: str) -> Any:
        if not isinstance(value, str):
            raise errors.parameter_invalid(param, "string", f"Invalid string: {value!r}")
        return value


@dataclass(frozen=True)
class Integer(Node):
    def check(self, value: Any, param: str) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value, 10)
            except ValueError:
                pass
        raise errors.parameter_invalid(param, "integer", f"Invalid integer: {value}")


@dataclass(frozen=True)
class Decimal(Node):
    def check(self, value: Any, param: str) -> Any:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise errors.parameter_invalid(param, "number", f"Invalid decimal: {value}") from None


@dataclass(frozen=True)
class Boolean(Node):
    def check(self, value: Any, param: str) -> Any:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise errors.parameter_invalid(param, "boolean", f"Invalid boolean: {value}")


@dataclass(frozen=True)
class Enum(Node):
    values: tuple[str, ...]

    def check(self, value: Any, param: str) -> Any:
        if isinstance(value, str) and value in self.values:
            return value
        allowed = [v for v in self.values if v]
        if allowed:
            message = f"Invalid {param}: must be one of {', '.join(allowed)}"
            raise errors.parameter_invalid(param, "enum", message)
        message = f"Invalid {param}: only an empty string (to unset it) is accepted"
        raise errors.parameter_invalid(param, "empty", message)


@dataclass(frozen=True)
class ListOf(Node):
    item: Node

    def check(self, value: Any, param: str) -> Any:
        if isinstance(value, dict) and all(key.isdigit() for key in value):
            value = [value[key] for key in sorted(value, key=int)]
        if not isinstance(value, list):
            raise errors.parameter_invalid(param, "array", f"Invalid array: {param}")
        return [self.item.check(item, f"{param}[{i}]") for i, item in enumerate(value)]

    def fits_shape(self, value: Any) -> bool:
        return isinstance(value, list | dict)


@dataclass(frozen=True)
class MapOf(Node):
    value: Node

    def check(self, value: Any, param: str) -> Any:
        if not isinstance(value, dict):
            raise errors.parameter_invalid(param, "object", f"Invalid hash: {param}")
        return {key: self.value.check(item, f"{param}[{key}]") for key, item in value.items()}

    def fits_shape(self, value: Any) -> bool:
        return isinstance(value, dict)


@dataclass(eq=False)
class Fields(Node):
    """A TypedDict. Filled after creation so that self-referencing types compile."""

    name: str
    fields: dict[str, Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()

    def check(self, value: Any, param: str) -> Any:
        if not isinstance(value, dict):
            raise errors.parameter_invalid(param, "object", f"Invalid object: {param}")
        return self.check_fields(value, prefix=param)

    def check_fields(self, value: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
        def name(key: str) -> str:
            return f"{prefix}[{key}]" if prefix else key

        for key in value:
            if key not in self.fields:
                raise errors.parameter_unknown(name(key))
        for key in sorted(self.required):
            if key not in value:
                raise errors.parameter_missing(name(key))
        return {key: self.fields[key].check(item, name(key)) for key, item in value.items()}

    def fits_shape(self, value: Any) -> bool:
        return isinstance(value, dict)


@dataclass(frozen=True)
class OneOf(Node):
    options: tuple[Node, ...]

    def check(self, value: Any, param: str) -> Any:
        candidates = [option for option in self.options if option.fits_shape(value)]
        first_error: errors.StripeError | None = None
        for option in candidates or self.options[:1]:
            try:
                return option.check(value, param)
            except errors.StripeError as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def fits_shape(self, value: Any) -> bool:
        return any(option.fits_shape(value) for option in self.options)


@functools.cache
def schema(params_type: type) -> Fields:
    """The compiled form of a `stripe.params` TypedDict (client options left out)."""
    return _compile_typed_dict(params_type, {})


def validate(params_type: type, params: Mapping[str, Any]) -> dict[str, Any]:
    return schema(params_type).check_fields(params)


def _compile_typed_dict(cls: type, seen: dict[type, Fields]) -> Fields:
    if cls in seen:
        return seen[cls]
    node = Fields(cls.__name__)
    seen[cls] = node
    namespace = vars(sys.modules[cls.__module__])
    for key, annotation in cls.__annotations__.items():
        if key in _CLIENT_OPTIONS:
            continue
        node.fields[key] = _compile(annotation, namespace, seen)
    node.required = frozenset(cls.__required_keys__) - _CLIENT_OPTIONS  # type: ignore[attr-defined]
    return node


def _compile(annotation: Any, namespace: Mapping[str, Any], seen: dict[type, Fields]) -> Node:
    if isinstance(annotation, str):
        annotation = eval(annotation, dict(namespace))  # noqa: S307 - the SDK's own annotations
    if isinstance(annotation, ForwardRef):
        return _compile(annotation.__forward_arg__, namespace, seen)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (NotRequired, Required):
        return _compile(args[0], namespace, seen)
    if origin in (Union, types.UnionType):
        compiled = [_compile(arg, namespace, seen) for arg in args if arg is not type(None)]
        options = tuple(dict.fromkeys(compiled))
        return options[0] if len(options) == 1 else OneOf(options)
    if origin is Literal:
        return Enum(tuple(_literal_text(arg) for arg in args))
    if origin in (list, Sequence):
        return ListOf(_compile(args[0], namespace, seen))
    if origin in (dict, Mapping):
        return MapOf(_compile(args[1], namespace, seen))
    if origin is UntypedStripeObject:
        return MapOf(_compile(args[0], namespace, seen))
    if is_typeddict(annotation):
        return _compile_typed_dict(annotation, seen)
    return _SCALARS.get(annotation, AnyValue())


def _literal_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_SCALARS: dict[Any, Node] = {str: Text(), int: Integer(), float: Decimal(), bool: Boolean()}
