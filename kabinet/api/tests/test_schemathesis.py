"""schemathesis against the OpenAPI document: no 5xx and no response that breaks the schema."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kabinet.api.models import ApiToken

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def api_key(db):
    # The WSGI handler closes database connections when a request finishes; inside a test's transaction
    # that must not happen (Django's test client disconnects the same signal).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield ApiToken.issue(name="schemathesis", staff_wide=True, can_read=True, can_write=True)[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case, api_key):
    # Business rules (checksums, references to existing objects) refuse much of the random data with a
    # documented 400; what must never happen is a 5xx or an answer that breaks the document.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
