"""Stripe's wire format: form-encoded nested parameters in, JSON out.

`a[b][0][c]=x` decodes to `{"a": {"b": {"0": {"c": "x"}}}}`: indexed keys stay mapping keys
because only the parameter's declared type can tell a list (`expand[0]`) from a hash whose
keys happen to be digits (`metadata[0]`); validation turns them into lists. `a[]=x` always
decodes to a list.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from stripe_sandbox import errors

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def decode_form(encoded: str) -> dict[str, Any]:
    """Decode a query string or an `application/x-www-form-urlencoded` body."""
    decoded: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        root, _, rest = key.partition("[")
        segments = _SEGMENT.findall("[" + rest) if rest else []
        _assign(decoded, [root, *segments], value, key)
    return decoded


def _assign(container: dict[str, Any], path: list[str], value: str, key: str) -> None:
    node: Any = container
    for depth, segment in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            if segment != "" or not last:
                raise errors.invalid_request(f"Invalid array: {key}", param=path[0])
            node.append(value)
            return
        if last:
            if isinstance(node.get(segment), dict | list):
                raise errors.invalid_request(f"Invalid hash: {key}", param=path[0])
            node[segment] = value
            return
        child_is_list = path[depth + 1] == ""
        child = node.setdefault(segment, [] if child_is_list else {})
        if isinstance(child, str) or isinstance(child, list) != child_is_list:
            raise errors.invalid_request(f"Invalid hash: {key}", param=path[0])
        node = child


def encode_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def decode_json_object(body: bytes) -> dict[str, Any]:
    """The control API's request bodies: a JSON object, or nothing."""
    if not body.strip():
        return {}
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise errors.invalid_request(f"Invalid JSON body: {exc}") from exc
    if not isinstance(decoded, dict):
        raise errors.invalid_request("The JSON body must be an object.")
    return decoded
