"""The sandbox's shape: modules depend on each other without cycles, handlers see a narrow
context, and each resource module declares the objects it owns."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stripe_sandbox.resources import wiring
from stripe_sandbox.routing import Call

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "stripe_sandbox"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _with_parents(name: str) -> set[str]:
    """Importing `a.b.c` runs `a` and `a.b` first."""
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts) + 1)}


def _imports(name: str) -> set[str]:
    """The package's modules that `name` imports anywhere (type-checking blocks included)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target in MODULES:
                found |= _with_parents(target)
    return (found & MODULES.keys()) - _with_parents(name)


def _cycle() -> list[str] | None:
    graph = {name: _imports(name) for name in MODULES}
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        trail.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[name] = "done"
        trail.pop()
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle() is None


def test_the_cycle_check_sees_imports_under_type_checking() -> None:
    """The old `Call.sandbox` was imported for type checking only, and made the circle."""
    assert "stripe_sandbox.webhooks" in _imports("stripe_sandbox.events")


def test_a_resource_module_loads_without_the_app_or_the_other_families() -> None:
    probe = (
        "import json, sys; import stripe_sandbox.resources.charges; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('stripe_sandbox'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))

    assert "stripe_sandbox.resources.charges" in loaded
    assert loaded.isdisjoint(
        {
            "stripe_sandbox.app",
            "stripe_sandbox.control",
            "stripe_sandbox.resources.wiring",
            "stripe_sandbox.resources.payment_intents",
            "stripe_sandbox.resources.checkout_sessions",
        }
    )


def test_a_handler_gets_a_context_not_the_sandbox() -> None:
    fields = set(Call.__dataclass_fields__)

    assert "sandbox" not in fields
    assert {"context", "params", "path", "request", "base_url"} <= fields


RESOURCES = wiring.router.resources


def test_each_object_type_is_declared_once() -> None:
    names = [resource.object_name for resource in RESOURCES]

    assert len(names) == len(set(names))


def test_id_prefixes_are_distinct() -> None:
    prefixes = [resource.id_prefix for resource in RESOURCES]

    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.object_name)
def test_an_includable_field_is_left_out_of_a_new_object(resource) -> None:
    obj = resource.build(id=resource.new_id())

    assert obj["object"] == resource.object_name
    assert obj["id"].startswith(resource.id_prefix)
    assert resource.includable.isdisjoint(obj)


def test_every_includable_field_has_an_includer() -> None:
    declared = {
        (resource.object_name, name) for resource in RESOURCES for name in resource.includable
    }

    assert declared == set(wiring.router.includers)
