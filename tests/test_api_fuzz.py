"""Every endpoint of /api/openapi.json, fuzzed from its schema (schemathesis, bounded examples).

Signed in as a member of one team and not of another: whatever the path,
query and body, the API answers as documented (status codes and bodies that
match the schema) and never with a server error. New endpoints are covered
as soon as they appear in the OpenAPI document.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.generation.modes import GenerationMode

from supportpm.api import api
from teams.models import Role

EXAMPLES = 60

# The document /api/openapi.json serves (built without a request: tests collect before any database exists).
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/"))))
schema.app = get_wsgi_application()
schema.location = "/api/openapi.json"
# Valid requests and invalid ones (a slug with a NUL byte, a wrong type), NUL bytes included.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], allow_x00=True)


def test_the_fuzzed_document_is_the_one_the_api_serves(client):
    assert client.get("/api/openapi.json").json()["paths"] == schema.raw_schema["paths"]


@pytest.fixture
def session_cookie(team, other_team, make_member, login):
    # As Django's test client does: the test's database connection stays open between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    make_member(other_team)
    client = login(make_member(team, Role.AGENT))
    try:
        yield f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_every_generated_request_as_documented(case, session_cookie):
    response = case.call(headers={"Cookie": session_cookie})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
    case.validate_response(response)
