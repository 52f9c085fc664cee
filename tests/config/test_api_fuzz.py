"""schemathesis against our own OpenAPI schema, in-process through the WSGI app.

Every operation of `/api/schema/` is fed schema-driven and schema-violating requests, bounded and
deterministic (a fixed seed, a few examples per operation, a deadline per example), as a learner
with a token (and anonymously where the schema allows it), against the Stripe sandbox. It fails
on any 5xx, any status the schema does not document, and any response that breaks its schema.

`KNOWN_FINDINGS` is where a finding we knowingly leave open would be tolerated, precisely
(operation, failure, statuses), with a test reproducing it; it is empty.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure

from tests.factories import CourseFactory, PaymentFactory, UserFactory

SEED = 20261130
EXAMPLES_PER_OPERATION = 15
DEADLINE_MS = 2000
TOKEN = "fuzz0learner0token0000000000000000000000"
COURSE_SLUG = "fuzzing-course"
PAYMENT_ID = "0b6c5e4e-9a43-4c47-9d4e-3f0d7f2a1c55"
EXISTING = {"slug": COURSE_SLUG, "id": PAYMENT_ID}
PAYMENT_METHODS = ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_authenticationRequired"]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "database": "none",
            "allow-x00": False,
        },
        "phases": {"stateful": {"enabled": False}},
        # Schema-valid data may break a domain rule (a common password, a course not for
        # sale): a 4xx for it is right. Every other check runs.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), config=CONFIG)


@dataclass(frozen=True)
class KnownFinding:
    operation: str
    failure: type[Failure]
    statuses: frozenset[int]
    fix: str

    def matches(self, operation: str, failure: Failure) -> bool:
        status = getattr(failure, "status_code", None)
        return (operation, type(failure)) == (self.operation, self.failure) and (
            status in self.statuses
        )


KNOWN_FINDINGS: list[KnownFinding] = []


@schema.hook
def filter_failure(
    context: schemathesis.HookContext, failure: Failure, case: schemathesis.Case, response: object
) -> bool:
    label = f"{case.method.upper()} {case.operation.path}"
    return not any(known.matches(label, failure) for known in KNOWN_FINDINGS)


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> st.SearchStrategy:
    """Now and then a schema-valid case names the learner's own objects, and a purchase names a
    course for sale and a test card, so fuzzing reaches detail views and Stripe's answers.
    Schema-violating cases are left alone: these values would make them valid."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return st.just(case)
    return st.tuples(st.booleans(), st.sampled_from(["", *PAYMENT_METHODS])).map(
        lambda choice: _with_existing_objects(case, *choice)
    )


def _with_existing_objects(
    case: schemathesis.Case, use_existing: bool, payment_method: str
) -> schemathesis.Case:
    if not use_existing:
        return case
    for name in set(case.path_parameters or {}) & set(EXISTING):
        case.path_parameters[name] = EXISTING[name]
    if case.operation.path == "/api/v1/payments/" and isinstance(case.body, dict):
        case.body["course"] = COURSE_SLUG
        if payment_method:
            case.body["payment_method"] = payment_method
    return case


@pytest.fixture
def fuzzing_world(db, sandbox) -> Iterator[None]:
    """A learner with a known token, a course to buy, and requests that keep the test's
    database connection (as Django's test client does)."""
    learner = UserFactory.create()
    Token.objects.create(user=learner, key=TOKEN)
    CourseFactory.create(slug=COURSE_SLUG)
    PaymentFactory.create(id=PAYMENT_ID, learner=learner)
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


def is_anonymous(case: schemathesis.Case) -> bool:
    return {} in (case.operation.definition.raw.get("security") or [{}])


@schema.parametrize()
@hypothesis.settings(
    deadline=DEADLINE_MS,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_honours_its_schema(case: schemathesis.Case, fuzzing_world: None) -> None:
    # Logging out deletes the token: put it back before each example.
    Token.objects.get_or_create(key=TOKEN, defaults={"user": UserFactory.create()})
    headers = {} if is_anonymous(case) else {"Authorization": f"Token {TOKEN}"}

    case.call_and_validate(headers=headers)


@pytest.mark.django_db
def test_a_purchase_documents_its_domain_errors(sandbox, learner_client: APIClient) -> None:
    documented = schema.raw_schema["paths"]["/api/v1/payments/"]["post"]["responses"]
    unknown_course = learner_client.post("/api/v1/payments/", {"course": "nope"}, format="json")

    assert unknown_course.status_code == 404
    assert {"402", "404", "409", "422", "503"} <= set(documented)


@pytest.mark.django_db
def test_a_page_size_that_is_not_a_number_is_refused(learner_client: APIClient) -> None:
    response = learner_client.get("/api/v1/payments/", {"page_size": "x"})

    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]
