"""The sandbox's state: every object by id, listed newest first per type.

Contract: callers hold `store.lock` around any read-modify-write sequence and while rendering
objects to JSON; the request pipeline takes it once per request, so handlers run serialized.
Objects are plain JSON-ready dicts stored and mutated in place.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Iterator
from typing import Any

from stripe_sandbox import errors

_ALPHABET = string.ascii_letters + string.digits

JsonObject = dict[str, Any]
"""A Stripe object, list or parameter hash as plain JSON-ready data."""


def random_token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


class Store:
    def __init__(self, account_id: str) -> None:
        self.lock = threading.RLock()
        self.account_id = account_id
        """The platform account's id, which every key of the sandbox belongs to."""
        self._objects: dict[str, dict[str, Any]] = {}
        self._ids_by_type: dict[str, dict[str, None]] = {}
        self.version = 0
        """Bumped by every change; the persister saves when it moves."""

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        object_id = obj["id"]
        if object_id in self._objects:
            raise errors.invalid_request(
                f"A {obj['object']} with id '{object_id}' already exists.",
                param="id",
                code="resource_already_exists",
            )
        self._objects[object_id] = obj
        self._ids_by_type.setdefault(obj["object"], {})[object_id] = None
        self.touch()
        return obj

    def get(self, object_name: str, object_id: str, *, param: str = "id") -> dict[str, Any]:
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != object_name:
            raise errors.resource_missing(object_name, object_id, param=param)
        return obj

    def find(self, object_id: str) -> dict[str, Any] | None:
        """Any object by id, whatever its type (expansion resolves ids this way)."""
        return self._objects.get(object_id)

    def all(self, object_name: str) -> list[dict[str, Any]]:
        """Live objects of one type, newest first (Stripe's list order)."""
        ids = self._ids_by_type.get(object_name, {})
        return [self._objects[object_id] for object_id in reversed(ids)]

    def delete(self, object_name: str, object_id: str) -> dict[str, Any]:
        """Replace an object with Stripe's tombstone, which its retrieve keeps answering."""
        self.get(object_name, object_id)
        tombstone = {"id": object_id, "object": object_name, "deleted": True}
        self._objects[object_id] = tombstone
        del self._ids_by_type[object_name][object_id]
        self.touch()
        return tombstone

    def touch(self) -> None:
        self.version += 1

    def reset(self) -> None:
        """Forget every object; the platform account keeps its id."""
        self._objects.clear()
        self._ids_by_type.clear()
        self.touch()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._objects.values())

    def snapshot(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "objects": self._objects,
            "order": {name: list(ids) for name, ids in self._ids_by_type.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.account_id = state["account_id"]
        self._objects = state["objects"]
        self._ids_by_type = {name: dict.fromkeys(ids) for name, ids in state["order"].items()}
        self.touch()
