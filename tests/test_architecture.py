"""The house rules of ARCHITECTURE.md that a test can hold us to."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "config", "courses", "payments", "receipts", "store")
ALLOWED = {
    "stripe": {"payments/stripe_gateway.py"},
    "weasyprint": {"receipts/pdf.py"},
    "djstripe": {"payments/webhooks.py", "payments/inbox.py", "payments/stripe_gateway.py"},
}
ADAPTER_USERS = {"payments/webhooks.py", "payments/inbox.py"}
"""Infrastructure that maps Stripe's objects; everyone else gets the gateway from
`payments.gateway.get_gateway()`, which names the adapter by a setting."""


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for module in imported_modules(path)}


def app_modules(*apps: str) -> list[Path]:
    return [
        path
        for app in apps
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_only_the_adapter_modules_import_processor_libraries(library: str) -> None:
    importers = {
        str(path.relative_to(ROOT))
        for path in app_modules(*APPS)
        if library in imported_roots(path)
    }

    assert importers <= ALLOWED[library]


def test_only_webhook_infrastructure_imports_the_stripe_adapter() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for path in app_modules(*APPS)
        if "payments.stripe_gateway" in imported_modules(path)
    }

    assert importers <= ADAPTER_USERS


def test_courses_import_nothing_from_payments() -> None:
    importers = [path for path in app_modules("courses") if "payments" in imported_roots(path)]

    assert importers == []


def test_the_sandbox_does_not_import_django() -> None:
    importers = [
        path
        for path in (ROOT / "stripe_sandbox").rglob("*.py")
        if "django" in imported_roots(path) or "djstripe" in imported_roots(path)
    ]

    assert importers == []


WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete"}


def status_writes(path: Path) -> list[int]:
    """Lines that set a payment's status or write its audit trail."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(
            isinstance(t, ast.Attribute)
            and t.attr == "status"
            and "payment" in ast.unparse(t.value)
            for t in targets
        ):
            lines.append(node.lineno)  # type: ignore[attr-defined]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
            and "PaymentEvent.objects" in ast.unparse(node.func.value)
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and any(k.arg == "status" for k in node.keywords)
            and ast.unparse(node.func).endswith(".update")
            and "Payment" in ast.unparse(node.func)
        ):
            lines.append(node.lineno)
    return lines


def test_only_transitions_write_a_payment_status_or_its_audit_trail() -> None:
    writers = {
        str(path.relative_to(ROOT)): lines
        for path in app_modules(*APPS)
        if path != ROOT / "payments" / "transitions.py" and (lines := status_writes(path))
    }

    assert writers == {}
