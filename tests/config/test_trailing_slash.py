"""One route per `/api/` path, with or without the trailing slash; no unsafe method redirected.

Every route of the URL conf is walked: a route added later is tested without anyone listing it.
"""

import uuid
from collections.abc import Iterator

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from config.slashes import API_NOT_FOUND
from courses.models import Enrollment
from tests.config.routes import Route, all_routes
from tests.factories import CourseFactory, PaymentFactory

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
PARAMETER_CANDIDATES = ["sample-slug", "1", str(uuid.uuid4())]
API_ROUTES = [route for route in ROUTES if route.path(PARAMETER_CANDIDATES).startswith("/api/")]
METHODS = ("get", "post", "put", "patch", "delete", "options", "head")
UNSAFE_METHODS = ("post", "delete")
DEVELOPMENT = override_settings(DEBUG=True)
PRODUCTION = override_settings(
    DEBUG=False,
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
SETTINGS = {"development": DEVELOPMENT, "production": PRODUCTION}


@pytest.fixture(params=sorted(SETTINGS))
def environment(request: pytest.FixtureRequest) -> Iterator[str]:
    with SETTINGS[request.param]:
        yield request.param


@pytest.fixture
def owned_objects(learner) -> list[str]:
    """Values that name real objects of the learner, so detail routes answer 200."""
    payment = PaymentFactory.create(learner=learner)
    return [payment.course.slug, str(payment.pk)]


def other_spelling(path: str) -> str:
    return path.removesuffix("/") if path.endswith("/") else f"{path}/"


def comparable(response) -> tuple[int, str, bytes]:
    """Status, type and body; pages carry a fresh CSRF token each time, so not their body."""
    content_type = response.get("Content-Type", "")
    body = b"" if content_type.startswith("text/html") else response.content
    return response.status_code, content_type, body


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda route: route.name)
def test_an_api_route_answers_the_same_with_or_without_its_trailing_slash(
    route: Route, environment: str, learner_client: APIClient, owned_objects: list[str]
) -> None:
    canonical = route.path([*owned_objects, *PARAMETER_CANDIDATES])
    # The same request id in both: bodies that echo it compare equal.
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_REQUEST_ID": "slash-test"}

    for method in METHODS:
        call = getattr(learner_client, method)
        answers = [
            call(path, {}, format="json", **headers)
            for path in (canonical, other_spelling(canonical))
        ]

        assert [a.wsgi_request.resolver_match.func for a in answers] == [route.callback] * 2
        first, second = (comparable(a) for a in answers)
        assert first == second, f"{method.upper()} {canonical}"
        assert all(a.status_code < 300 or a.status_code >= 400 for a in answers), method
        # 503 is Stripe unreachable (no sandbox here), an honest answer; no other 5xx.
        assert all(a.status_code < 500 or a.status_code == 503 for a in answers), method


def test_buying_without_the_trailing_slash_buys_the_course(
    sandbox, learner, learner_client: APIClient
) -> None:
    course = CourseFactory.create()

    with DEVELOPMENT:
        response = learner_client.post(
            "/api/v1/payments",
            {"course": course.slug, "payment_method": "pm_card_visa"},
            format="json",
        )

    assert response.status_code == 201, response.content
    assert Enrollment.objects.filter(learner=learner, course=course, status="active").exists()


def test_no_route_redirects_an_unsafe_request_for_a_missing_slash(environment: str) -> None:
    client = APIClient(raise_request_exception=False)
    redirected = []

    for route in ROUTES:
        path = route.path(PARAMETER_CANDIDATES)
        if not path.endswith("/"):
            continue
        for method in UNSAFE_METHODS:
            response = getattr(client, method)(
                path.removesuffix("/"), HTTP_X_FORWARDED_PROTO="https"
            )
            if 300 <= response.status_code < 400 or response.status_code >= 500:
                redirected.append(f"{method.upper()} {path}: {response.status_code}")

    assert redirected == []


@PRODUCTION
@pytest.mark.parametrize("method", UNSAFE_METHODS)
def test_an_unsafe_request_over_plain_http_is_refused_not_redirected(
    method: str, learner_client: APIClient
) -> None:
    response = getattr(learner_client, method)("/api/v1/payments/", {"course": "x"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "https_required"


@PRODUCTION
def test_a_get_over_plain_http_is_still_redirected_to_https(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/courses/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/api/v1/courses/"


@DEVELOPMENT
def test_a_get_on_a_page_without_its_slash_is_still_redirected(client) -> None:
    response = client.get("/admin/login")

    assert response.status_code == 301
    assert response["Location"] == "/admin/login/"


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/no-such-thing", "/api/"])
def test_an_unknown_api_path_is_a_json_404(environment: str, path: str) -> None:
    response = APIClient().post(path, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    match = response.wsgi_request.resolver_match
    assert match is not None
    assert match.url_name == API_NOT_FOUND


def test_a_retry_without_the_slash_replays_the_same_idempotent_purchase(
    sandbox, learner_client: APIClient
) -> None:
    """The slashless spelling is the same endpoint, so an Idempotency-Key spans both."""
    course = CourseFactory.create()
    buy = {"course": course.slug, "payment_method": "pm_card_visa"}

    first = learner_client.post("/api/v1/payments", buy, format="json", HTTP_IDEMPOTENCY_KEY="k")
    retry = learner_client.post("/api/v1/payments/", buy, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
