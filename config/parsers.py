"""The API's JSON parser: what it hands a view is a JSON object a database can store.

Refused with a 400 `parse_error`, before any view or serializer sees them:
- nesting deeper than `max_depth` (Python's decoder raises RecursionError near 1,000 levels,
  and anything that walks the data afterwards, serializers and encoders, recurses as deep);
- a top level that is not an object (`[]`, `"x"`, `1`): every endpoint takes named fields;
- integers outside a signed 64-bit range and numbers too large for a float (no column holds them);
- strings (keys included) with a NUL or an unpaired surrogate (`\\u0000`, `\\ud800`): PostgreSQL
  rejects the first, and the second cannot even be encoded as UTF-8 again.
The body's size is bounded before this runs (`config.request_guard`).
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONObjectParser(JSONParser):
    max_depth = 32

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"The body is not valid {encoding} text.") from exc
        too_deep = ParseError(f"The JSON body is nested deeper than {self.max_depth} levels.")
        try:
            data = json.loads(
                text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_refuse
            )
        except RecursionError as exc:
            raise too_deep from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if not isinstance(data, dict):
            raise ParseError('The JSON body must be an object, such as {"field": "value"}.')
        depth, unstorable = _inspect(data)
        if depth > self.max_depth:
            raise too_deep
        if unstorable:
            raise ParseError("The JSON body contains a NUL character or an unpaired surrogate.")
        return data


def _bounded_int(literal: str) -> int:
    value = int(literal)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("an integer is out of range")
    return value


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError("a number is out of range")
    return value


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not valid JSON")


def _inspect(data: Any) -> tuple[int, bool]:
    """How deep `data` nests, and whether a string in it is unstorable (without recursion)."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return deepest, True
        elif isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return deepest, False
