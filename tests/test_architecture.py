"""The house rules of ARCHITECTURE.md that a test can hold us to."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "config", "courses", "payments", "receipts")
ALLOWED = {
    "stripe": {"payments/stripe_gateway.py"},
    "weasyprint": {"receipts/pdf.py"},
    "djstripe": {"payments/webhooks.py", "payments/stripe_gateway.py"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_only_the_adapter_modules_import_processor_libraries(library: str) -> None:
    importers = {
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and library in imported_roots(path)
    }

    assert importers <= ALLOWED[library]


def test_the_sandbox_does_not_import_django() -> None:
    importers = [
        path
        for path in (ROOT / "stripe_sandbox").rglob("*.py")
        if "django" in imported_roots(path) or "djstripe" in imported_roots(path)
    ]

    assert importers == []
