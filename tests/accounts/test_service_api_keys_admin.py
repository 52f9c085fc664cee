"""Service API keys are made and revoked in the admin; the key is shown once."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ServiceAPIKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_an_admin_creates_a_key_shown_once_that_opens_the_service_api(
    sandbox, admin_browser: Client
) -> None:
    response = admin_browser.post(
        "/admin/accounts/serviceapikey/add/", {"name": "orders"}, follow=True
    )

    shown = re.search(r"The API key for orders is: (\S+)\. ", response.content.decode())
    assert shown is not None
    key = shown.group(1)
    answer = APIClient(HTTP_X_API_KEY=key).post(
        "/customers", {"email": "a@example.com"}, format="json"
    )
    assert answer.status_code == 201
    assert key not in admin_browser.get("/admin/accounts/serviceapikey/").content.decode()


def test_an_admin_revokes_a_key(sandbox, admin_browser: Client) -> None:
    row, key = ServiceAPIKey.objects.create_key(name="old")

    admin_browser.post(
        f"/admin/accounts/serviceapikey/{row.pk}/change/", {"name": "old", "revoked": "on"}
    )

    assert ServiceAPIKey.objects.get().revoked is True
    answer = APIClient(HTTP_X_API_KEY=key).post("/customers", {"email": "a@example.com"})
    assert answer.status_code == 401


def test_the_librarys_own_key_model_is_not_in_the_admin(admin_browser: Client) -> None:
    assert admin_browser.get("/admin/rest_framework_api_key/apikey/").status_code == 404
