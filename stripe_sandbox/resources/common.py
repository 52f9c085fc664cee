"""What every resource shares: lists, filters, metadata updates, live lookups."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.routing import Call, JsonObject
from stripe_sandbox.store import Store

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def paginate(call: Call, objects: Iterable[JsonObject], url: str) -> JsonObject:
    """A Stripe list object for `objects` (newest first) honouring `limit`, `starting_after`
    and `ending_before`."""
    items = list(objects)
    limit = call.params.get("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.invalid_request(
            f"Invalid limit: must be between 1 and {MAX_LIMIT}", param="limit"
        )
    starting_after = call.params.get("starting_after")
    ending_before = call.params.get("ending_before")
    if starting_after:
        following = items[_position(items, starting_after, "starting_after") + 1 :]
        page, has_more = following[:limit], len(following) > limit
    elif ending_before:
        preceding = items[: _position(items, ending_before, "ending_before")]
        page, has_more = preceding[-limit:], len(preceding) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def _position(items: list[JsonObject], object_id: str, param: str) -> int:
    for index, item in enumerate(items):
        if item["id"] == object_id:
            return index
    raise errors.resource_missing("object", object_id, param=param)


def created_matches(created: int, condition: int | dict[str, int] | None) -> bool:
    """The `created` list filter: an exact timestamp or a `gt`/`gte`/`lt`/`lte` range."""
    if condition is None:
        return True
    if isinstance(condition, int):
        return created == condition
    checks: dict[str, Callable[[int], bool]] = {
        "gt": lambda bound: created > bound,
        "gte": lambda bound: created >= bound,
        "lt": lambda bound: created < bound,
        "lte": lambda bound: created <= bound,
    }
    return all(checks[op](bound) for op, bound in condition.items())


def select(call: Call, object_name: str, **equal: Any) -> list[JsonObject]:
    """Stored objects of one type, newest first, filtered by `created` and by each field in
    `equal` whose value is not None."""
    wanted = {name: value for name, value in equal.items() if value is not None}
    created = call.params.get("created")
    return [
        obj
        for obj in call.store.all(object_name)
        if created_matches(obj["created"], created)
        and all(obj.get(name) == value for name, value in wanted.items())
    ]


def select_matching(call: Call, object_name: str, names: Iterable[str]) -> list[JsonObject]:
    """`select` filtered by the list parameters `names` that the request gives, each matching
    the field of the same name."""
    return select(call, object_name, **{name: call.params.get(name) for name in names})


def live(store: Store, object_name: str, object_id: str, *, param: str = "id") -> JsonObject:
    """An object that has not been deleted (a tombstone answers 404 here)."""
    obj = store.get(object_name, object_id, param=param)
    if obj.get("deleted"):
        raise errors.resource_missing(object_name, object_id, param=param)
    return obj


def merged_metadata(current: dict[str, str], update: dict[str, str] | str) -> dict[str, str]:
    """Stripe's metadata update: `""` clears everything, a key set to `""` is removed."""
    if update == "":
        return {}
    assert isinstance(update, dict)
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def apply_changes(obj: JsonObject, changes: dict[str, Any]) -> JsonObject:
    """Set fields (metadata merged), returning the previous values of those that changed:
    the `previous_attributes` of the `*.updated` event."""
    previous: JsonObject = {}
    for name, value in changes.items():
        new = merged_metadata(obj[name], value) if name == "metadata" else value
        if obj.get(name) != new:
            previous[name] = obj.get(name)
            obj[name] = new
    return previous


def update_and_announce(call: Call, obj: JsonObject, changes: dict[str, Any]) -> JsonObject:
    """`apply_changes`, then `<object>.updated` with the previous values when anything
    changed (nothing is emitted for an update that changes nothing). Returns `obj`."""
    previous = apply_changes(obj, changes)
    if previous:
        call.emit(f"{obj['object']}.updated", obj, previous)
    return obj


def picked(params: JsonObject, names: Iterable[str]) -> JsonObject:
    return {name: params[name] for name in names if name in params}
