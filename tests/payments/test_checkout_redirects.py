"""Where Checkout may send a learner: allowed origins only, and back with the session id."""

import pytest

from payments.models import Payment
from payments.redirects import redirect_url_allowed, with_session_id
from tests.factories import CourseFactory
from tests.payments.live_stripe import _stripe_calls, stripe_api  # noqa: F401

ALLOWED = ["https://app.example", "http://localhost:3000"]


@pytest.fixture(autouse=True)
def _origins(settings) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ALLOWED


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example/done",
        "https://APP.example/done?x=1",
        "https://app.example:443/done",
        "http://localhost:3000/checkout/return#top",
        "https://app.example/done?session_id={CHECKOUT_SESSION_ID}",
    ],
)
def test_urls_on_an_allowed_origin_are_accepted(url: str) -> None:
    assert redirect_url_allowed(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/done",
        "http://app.example/done",  # another scheme is another origin
        "https://app.example:8443/done",  # another port
        "http://localhost:3001/",
        "https://app.example.evil.example/",
        "https://app.example@evil.example/",
        "https://user:pass@app.example/",
        "https://evil.example\\@app.example/",
        "https://app.example\\.evil.example/",
        "javascript:alert(1)//app.example",
        "JAVASCRIPT://app.example/%0aalert(1)",
        "data:text/html,https://app.example",
        "//app.example/done",
        "///app.example/done",
        "/relative/path",
        "https://app.example/done\nLocation: https://evil.example",
        "https://app.example/\x00",
        " https://app.example/done",
        "https://app.example:99999/",
        "https://app.example:port/",
        "ftp://app.example/",
        "https:app.example/done",
        "https://app.example/" + "x" * 2000,
        "",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    assert not redirect_url_allowed(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/ok", "https://a.example/ok?session_id={CHECKOUT_SESSION_ID}"),
        ("https://a.example/ok?x=1", "https://a.example/ok?x=1&session_id={CHECKOUT_SESSION_ID}"),
        ("https://a.example/ok?", "https://a.example/ok?session_id={CHECKOUT_SESSION_ID}"),
        ("https://a.example/ok#f", "https://a.example/ok?session_id={CHECKOUT_SESSION_ID}#f"),
        (
            "https://a.example/ok/{CHECKOUT_SESSION_ID}",
            "https://a.example/ok/{CHECKOUT_SESSION_ID}",
        ),
    ],
)
def test_the_session_id_is_appended_when_missing(url: str, expected: str) -> None:
    assert with_session_id(url) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"success_url": "https://evil.example/done"},
        {"cancel_url": "https://app.example@evil.example/"},
        {"ui_mode": "embedded", "return_url": "javascript:alert(document.cookie)"},
    ],
)
def test_a_foreign_redirect_is_refused_with_400_before_stripe(
    sandbox, learner_client, stripe_calls, body
) -> None:
    course = CourseFactory.create()

    response = learner_client.post(
        "/api/v1/checkout-sessions/", {"course": course.slug, **body}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "redirect_not_allowed"
    assert set(error["fields"]) == set(body) - {"ui_mode"}
    assert stripe_calls == []
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_allowed_redirects_reach_stripe_with_the_session_id(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    hosted = learner_client.post(
        "/api/v1/checkout-sessions/",
        {
            "course": course.slug,
            "success_url": "https://app.example/paid?course=x",
            "cancel_url": "http://localhost:3000/back",
        },
        format="json",
    ).json()

    session = stripe_api(sandbox).v1.checkout.sessions.retrieve(hosted["id"])
    assert (
        session.success_url == "https://app.example/paid?course=x&session_id={CHECKOUT_SESSION_ID}"
    )
    assert session.cancel_url == "http://localhost:3000/back"
