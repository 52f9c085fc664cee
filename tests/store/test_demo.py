"""`make run`'s demo: seed_demo says where the store, the admin and the API docs are, and the
accounts it prints log in where it says."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def banner(sandbox, settings) -> str:
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_prints_the_urls_and_the_demo_accounts(banner: str) -> None:
    assert "Store     http://127.0.0.1:8000/\n" in banner
    assert "Admin     http://127.0.0.1:8000/admin/\n" in banner
    assert "API docs  http://127.0.0.1:8000/api/docs/\n" in banner
    assert "log in as learner@coursepay.local / coursepay-learner" in banner
    assert "log in as admin@coursepay.local / coursepay-admin" in banner


def test_the_printed_learner_logs_in_to_the_store_and_the_admin_to_the_back_office(
    banner: str,
) -> None:
    learner, admin = Client(), Client()

    store = learner.post(
        "/account/login/", {"email": "learner@coursepay.local", "password": "coursepay-learner"}
    )
    back_office = admin.post(
        "/admin/login/?next=/admin/",
        {"username": "admin@coursepay.local", "password": "coursepay-admin"},
    )

    assert store["Location"] == "/"
    assert back_office["Location"] == "/admin/"
    assert learner.get("/").content.decode().count('class="badge owned"') == 0
