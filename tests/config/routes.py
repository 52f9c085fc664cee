"""Every route of the URL conf, each with a concrete path that resolves to it."""

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from config.slashes import API_NOT_FOUND

_GROUP = re.compile(r"\(\?P<(\w+)>")
_ANCHORS = re.compile(r"^\^|\\Z$|\$$")


@dataclass(frozen=True)
class Route:
    name: str
    callback: Callable[..., Any]
    regexes: tuple[str, ...]
    """The regex of each pattern from the root down to this route."""

    def path(self, candidates: Sequence[str]) -> str:
        """A path to this route: each parameter takes the first candidate its pattern accepts."""
        template, groups = _template(self.regexes)
        choices = [[*candidates, *_alternatives(body)] for body in groups]
        for values in itertools.product(*choices):
            if all(re.fullmatch(body, value) for body, value in zip(groups, values, strict=True)):
                path = "/" + template.format(*values)
                if _resolves_to(path, self.callback):
                    return path
        raise AssertionError(f"No candidate builds a path to {self}: add one that fits.")


def all_routes() -> list[Route]:
    """Every route, the API's catch-all 404 aside (it is no route of its own)."""
    routes = _walk(get_resolver().url_patterns, namespace="", regexes=())
    return [route for route in routes if not route.name.endswith(API_NOT_FOUND)]


def _walk(
    patterns: Sequence[URLPattern | URLResolver], *, namespace: str, regexes: tuple[str, ...]
) -> Iterator[Route]:
    for entry in patterns:
        here = (*regexes, entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, namespace=inner, regexes=here)
        else:
            name = entry.name or f"<unnamed {entry.pattern}>"
            yield Route(f"{namespace}{name}", entry.callback, here)


def _template(regexes: Sequence[str]) -> tuple[str, list[str]]:
    """`regexes` joined as a str.format template with one field per named group, and the groups'
    own regexes."""
    template, groups = "", []
    for regex in regexes:
        text, position = _ANCHORS.sub("", regex), 0
        for match in _GROUP.finditer(text):
            if match.start() < position:
                continue  # a group nested in one already replaced
            end = _closing_paren(text, match.end())
            template += _literal(text[position : match.start()]) + "{}"
            groups.append(text[match.end() : end])
            position = end + 1
        template += _literal(text[position:])
    return template, groups


def _alternatives(group: str) -> list[str]:
    """The words of a group such as `auth|accounts|courses`."""
    return group.split("|") if re.fullmatch(r"\w+(\|\w+)*", group) else []


def _closing_paren(text: str, start: int) -> int:
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "\\":
            continue
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise ValueError(f"Unbalanced group in {text!r}")


def _literal(regex_text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", regex_text.replace("/?", "/"))
    return text.replace("{", "{{").replace("}", "}}")


def _resolves_to(path: str, callback: Callable[..., Any]) -> bool:
    try:
        return resolve(path).func is callback
    except Resolver404:
        return False
