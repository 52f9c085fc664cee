import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_authentication(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_database(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["database"] is True


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_is_503_when_redis_is_configured_but_unreachable(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "redis": False}


@pytest.mark.redis
def test_readyz_pings_redis_when_configured(client: Client) -> None:
    assert client.get("/readyz").json()["checks"]["redis"] is True


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_answer_head_as_get(client: Client, settings, path: str) -> None:
    """Uptime monitors and some load balancers probe with HEAD: it was a 405, the probe "down"."""
    settings.METRICS_PUBLIC = True
    got, head = client.get(path), client.head(path)

    assert head.status_code == got.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""


def test_openapi_schema_describes_the_api(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/auth/token/" in response.json()["paths"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_api_docs_load_their_assets_from_our_own_server(client: Client, page: str) -> None:
    html = client.get(page).content.decode()

    assert "/static/drf_spectacular_sidecar/" in html
    assert not any(cdn in html for cdn in ("cdn.", "unpkg", "jsdelivr"))
