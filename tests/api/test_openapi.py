"""GET /openapi.json: a valid OpenAPI 3.1 document describing every served route."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

EXPECTED_OPERATIONS = {
    "/v1.0/tickets": {"post"},
    "/v1.0/tickets/{ticketId}": {"get", "patch"},
    "/v1.0/tickets/{ticketId}/comments": {"post"},
    "/v1.0/tickets/{ticketId}/comments/{commentId}": {"put"},
    "/v1.0/tickets/watchlist": {"post", "delete"},
    "/v1.0/members/{memberUid}/contact-access": {"get", "put"},
    "/v1.0/ticket-categories/{categoryUid}": {"put"},
    "/v1.0/ticket-statuses/{statusUid}": {"put"},
    "/health/live": {"get"},
    "/health/ready": {"get"},
}
_FIELD = re.compile(r"\{(?P<name>\w+)(?::[^}]*)?\}")
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(client):
    """The served document, fetched without a token."""
    result = client.simulate_get("/openapi.json")
    assert result.status_code == 200, result.text
    return result.json


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _served_routes(app):
    """(OpenAPI path, methods with a responder of our own) for every served route."""
    found = {}
    nodes = list(app._router._roots)
    while nodes:
        node = nodes.pop()
        nodes.extend(node.children)
        if node.resource is None:
            continue
        path = _FIELD.sub(
            lambda m: "{" + _camel(m.group("name")) + "}", node.uri_template
        )
        methods = {
            method.lower()
            for method, responder in node.method_map.items()
            if getattr(responder, "__self__", None) is node.resource
        }
        found[path] = methods
    return found


def test_document_is_served_without_a_token(client):
    result = client.simulate_get("/openapi.json")

    assert result.status_code == 200
    assert result.headers["Content-Type"].startswith("application/json")


def test_document_is_a_valid_openapi_3_1_document(document):
    validate(document)

    assert document["openapi"].startswith("3.1.")


def test_document_describes_every_built_endpoint(document):
    paths = document["paths"]

    for path, methods in EXPECTED_OPERATIONS.items():
        assert path in paths, path
        assert methods <= set(paths[path]) & _HTTP_METHODS, path


def test_document_describes_every_route_the_app_serves(document, client):
    served = _served_routes(client.app)

    assert set(EXPECTED_OPERATIONS) <= set(served)
    for path, methods in served.items():
        assert path in document["paths"], path
        assert methods == set(document["paths"][path]) & _HTTP_METHODS, path


def test_document_describes_no_operation_the_app_does_not_serve(document, client):
    served = _served_routes(client.app)

    for path, item in document["paths"].items():
        assert path in served, path
        assert set(item) & _HTTP_METHODS <= served[path], path


def test_api_operations_require_a_bearer_token(document):
    schemes = document["components"]["securitySchemes"]

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            security = operation.get("security", document.get("security", []))
            if path.startswith("/v1.0/"):
                assert security, (method, path)
                for requirement in security:
                    for name in requirement:
                        assert schemes[name]["scheme"] == "bearer"
            else:
                assert security == [], (method, path)


def test_create_ticket_request_schema_matches_the_dfs_fields(document):
    schemas = document["components"]["schemas"]
    operation = document["paths"]["/v1.0/tickets"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = schemas[ref.rsplit("/", 1)[-1]]

    assert set(schema["properties"]) == {
        "title",
        "description",
        "categoryUid",
        "categoryKey",
        "dueDate",
        "assigneeMemberUid",
        "contactUids",
        "referenceUid",
        "participantUids",
    }
    assert set(schema["required"]) == {"title", "contactUids"}
    assert schema.get("additionalProperties") is False


def test_error_body_schema_has_the_dfs_fields(document):
    schema = document["components"]["schemas"]["ErrorBody"]

    assert {"code", "subCode", "message", "correlationId"} <= set(schema["required"])
    assert "properties" in schema["properties"]


def test_write_operations_document_their_error_responses(document):
    patch = document["paths"]["/v1.0/tickets/{ticketId}"]["patch"]

    assert {"400", "401", "403", "404", "412", "413", "415", "422"} <= set(
        patch["responses"]
    )
