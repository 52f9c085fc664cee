"""The sandbox's state: every object by id, listed newest first per type.

Contract: callers hold `store.lock` around any read-modify-write sequence and while rendering
objects to JSON; the request pipeline takes it once per request, so handlers run serialized.
Objects are plain JSON-ready dicts stored and mutated in place.

Change tracking, for incremental persistence: handlers change objects in place, so the store
cannot see a change, only a hand-out. Between `begin_changes()` and `end_changes()` it notes
every object it hands out (`get`, `find`, `all`) and, when the step may have written, counts
them all as changed: a superset, never a miss. Added and deleted objects count at once, and
`mark_changed` names one changed elsewhere. `take_changes()` gives the persister what changed
since it last asked, serialized while the caller holds the lock.
"""

from __future__ import annotations

import itertools
import json
import secrets
import string
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from stripe_sandbox import errors

_ALPHABET = string.ascii_letters + string.digits

JsonObject = dict[str, Any]
"""A Stripe object, list or parameter hash as plain JSON-ready data."""


def random_token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class StoredObject:
    """One object as the persister writes it: its id, type, place in creation order, JSON."""

    id: str
    object_name: str
    sequence: int
    body: str


@dataclass(frozen=True)
class Changes:
    cleared: bool
    """Everything before was forgotten (a reset): the saved state starts over."""
    account_id: str
    objects: list[StoredObject]

    def __bool__(self) -> bool:
        return self.cleared or bool(self.objects)


class Store:
    def __init__(self, account_id: str) -> None:
        self.lock = threading.RLock()
        self.account_id = account_id
        """The platform account's id, which every key of the sandbox belongs to."""
        self._objects: dict[str, dict[str, Any]] = {}
        self._ids_by_type: dict[str, dict[str, None]] = {}
        self._sequence_of: dict[str, int] = {}
        self._sequence = itertools.count()
        self.version = 0
        """Bumped by every addition, deletion and reset."""
        self._changed: set[str] = set()
        self._cleared = False
        self._handed_out: set[str] | None = None
        self._version_at_begin = 0

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
        self._sequence_of[object_id] = next(self._sequence)
        self._changed.add(object_id)
        self.version += 1
        return obj

    def get(self, object_name: str, object_id: str, *, param: str = "id") -> dict[str, Any]:
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != object_name:
            raise errors.resource_missing(object_name, object_id, param=param)
        if self._handed_out is not None:
            self._handed_out.add(object_id)
        return obj

    def find(self, object_id: str) -> dict[str, Any] | None:
        """Any object by id, whatever its type (expansion resolves ids this way)."""
        obj = self._objects.get(object_id)
        if obj is not None and self._handed_out is not None:
            self._handed_out.add(object_id)
        return obj

    def all(self, object_name: str) -> list[dict[str, Any]]:
        """Live objects of one type, newest first (Stripe's list order)."""
        ids = self._ids_by_type.get(object_name, {})
        if self._handed_out is not None:
            self._handed_out.update(ids)
        return [self._objects[object_id] for object_id in reversed(ids)]

    def counts(self) -> dict[str, int]:
        """Live objects per type."""
        return {name: len(ids) for name, ids in self._ids_by_type.items() if ids}

    def delete(self, object_name: str, object_id: str) -> dict[str, Any]:
        """Replace an object with Stripe's tombstone, which its retrieve keeps answering."""
        self.get(object_name, object_id)
        tombstone = {"id": object_id, "object": object_name, "deleted": True}
        self._objects[object_id] = tombstone
        del self._ids_by_type[object_name][object_id]
        self._changed.add(object_id)
        self.version += 1
        return tombstone

    def reset(self) -> None:
        """Forget every object; the platform account keeps its id."""
        self._objects.clear()
        self._ids_by_type.clear()
        self._sequence_of.clear()
        self._changed.clear()
        self._cleared = True
        self.version += 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._objects.values())

    def begin_changes(self) -> None:
        """Start noting the objects handed out: the step that follows may change them."""
        self._handed_out = set()
        self._version_at_begin = self.version

    def end_changes(self, *, wrote: bool) -> None:
        """Count what was handed out as changed if the step `wrote` or added or deleted
        anything (a read that expires a Checkout Session emits an event)."""
        handed_out, self._handed_out = self._handed_out or set(), None
        if wrote or self.version != self._version_at_begin:
            self._changed |= handed_out

    def mark_changed(self, object_id: str) -> None:
        self._changed.add(object_id)

    def take_changes(self) -> Changes:
        """What changed since the last call, serialized. Caller holds the lock."""
        stored = [
            StoredObject(
                object_id,
                obj["object"],
                self._sequence_of[object_id],
                json.dumps(obj, separators=(",", ":")),
            )
            for object_id in self._changed
            if (obj := self._objects.get(object_id)) is not None
        ]
        changes = Changes(self._cleared, self.account_id, stored)
        self._changed = set()
        self._cleared = False
        return changes

    def restore(self, account_id: str, objects: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Replace the state with saved objects, given in creation order with their place in
        it (the `sequence` they were saved with)."""
        self.reset()
        self._cleared = False
        self.account_id = account_id
        last = -1
        for sequence, obj in objects:
            object_id = obj["id"]
            self._objects[object_id] = obj
            self._sequence_of[object_id] = sequence
            last = max(last, sequence)
            if not obj.get("deleted"):
                self._ids_by_type.setdefault(obj["object"], {})[object_id] = None
        self._sequence = itertools.count(last + 1)
