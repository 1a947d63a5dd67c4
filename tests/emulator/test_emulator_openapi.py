"""linkdesk's own OpenAPI description of the emulator: valid, complete, and what it serves.

Every (route, method, status) the description lists is produced over real HTTP and its
body is validated against the description's schema, with OpenAPI 3.0's ``nullable``
turned into JSON Schema type lists.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft4Validator, ValidationError
from openapi_spec_validator import validate

from linkdesk.emulator import Emulator, RateLimit
from linkdesk.emulator.api import ROUTES

SPEC: dict[str, Any] = yaml.safe_load(
    files("linkdesk.emulator").joinpath("openapi.yaml").read_text(encoding="utf-8")
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def resolve(node: Any) -> Any:
    """Inline every local $ref and make `nullable: true` a JSON Schema type list."""
    if isinstance(node, list):
        return [resolve(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(target)
    schema = {key: resolve(value) for key, value in node.items()}
    if schema.pop("nullable", False) is True:
        if "type" in schema:
            schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def documented_response(method: str, path: str, status: int) -> dict[str, Any]:
    """The description's response object for this answer; fails if it is not documented."""
    item = SPEC["paths"].get(path.removeprefix("/v1"))
    if item is None:
        assert status == 404
        return resolve(SPEC["components"]["responses"]["NotFound"])
    operation = item.get(method.lower())
    if operation is None:
        assert status == 405
        return resolve(SPEC["components"]["responses"]["MethodNotAllowed"])
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not documented"
    return resolve(responses[str(status)])


def assert_conforms(response: httpx.Response, method: str, path: str) -> None:
    documented = documented_response(method, path, response.status_code)
    schema = documented["content"]["application/json"]["schema"]
    assert response.headers["content-type"].startswith("application/json")
    Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(response.json())
    for name, header in documented.get("headers", {}).items():
        value = response.headers.get(name)
        if header.get("required"):
            assert value is not None, f"{name} is required on {response.status_code}"
        if value is not None:
            parsed: Any = int(value) if header["schema"]["type"] == "integer" else value
            Draft4Validator(header["schema"]).validate(parsed)


# Scenarios: one way to make the emulator give each documented answer.

KEY = "sk_test_0123456789abcdefFAKE"


class Setup:
    """A running emulator and a client for one scenario."""

    def __init__(self, emulator: Emulator, client: httpx.Client) -> None:
        self.emulator = emulator
        self.client = client
        self.default_method = next(
            m["id"] for m in emulator.payment_methods(KEY) if m["is_default"]
        )

    def link(self, **extra: Any) -> dict[str, Any]:
        return {"amount_usd": 29.99, "payment_method_id": self.default_method, **extra}

    def limit_to_one(self) -> None:
        self.emulator.set_rate_limit(RateLimit(capacity=1, refill_per_second=0.001))


def _health(s: Setup) -> httpx.Response:
    return s.client.get("/health")


def _fault(kind: str, send: Callable[[Setup], httpx.Response]) -> Callable[[Setup], httpx.Response]:
    def scenario(s: Setup) -> httpx.Response:
        s.emulator.add_fault(kind)
        return send(s)

    return scenario


def _rate_limited(send: Callable[[Setup], httpx.Response]) -> Callable[[Setup], httpx.Response]:
    def scenario(s: Setup) -> httpx.Response:
        s.limit_to_one()
        send(s)
        return send(s)

    return scenario


def _list_links(s: Setup) -> httpx.Response:
    s.client.post("/payment-links", json=s.link(description="Tea", expires_in_seconds=600))
    s.client.post("/payment-links", json=s.link(amount_usd=5))
    return s.client.get("/payment-links", params={"limit": 1})


def _create_link(s: Setup) -> httpx.Response:
    return s.client.post("/payment-links", json=s.link(description="Tea"))


def _replay_link(s: Setup) -> httpx.Response:
    headers = {"Idempotency-Key": "k"}
    s.client.post("/payment-links", json=s.link(), headers=headers)
    return s.client.post("/payment-links", json=s.link(), headers=headers)


def _conflict_link(s: Setup) -> httpx.Response:
    headers = {"Idempotency-Key": "k"}
    s.client.post("/payment-links", json=s.link(), headers=headers)
    return s.client.post("/payment-links", json=s.link(amount_usd=1), headers=headers)


def _method_body() -> dict[str, Any]:
    return {"wallet_id": "w", "chain": "base", "token": "USDC", "min_amount_usd": 1.5}


def _list_methods(s: Setup) -> httpx.Response:
    return s.client.get("/payment-methods", params={"limit": 2})


def _create_method(s: Setup) -> httpx.Response:
    return s.client.post("/payment-methods", json=_method_body())


def _replay_method(s: Setup) -> httpx.Response:
    headers = {"Idempotency-Key": "k"}
    s.client.post("/payment-methods", json=_method_body(), headers=headers)
    return s.client.post("/payment-methods", json=_method_body(), headers=headers)


def _conflict_method(s: Setup) -> httpx.Response:
    headers = {"Idempotency-Key": "k"}
    s.client.post("/payment-methods", json=_method_body(), headers=headers)
    return s.client.post(
        "/payment-methods", json={**_method_body(), "chain": "tron"}, headers=headers
    )


def _anonymous(method: str, path: str) -> Callable[[Setup], httpx.Response]:
    def scenario(s: Setup) -> httpx.Response:
        return s.client.request(method, path, headers={"Authorization": ""}, json={})

    return scenario


def _too_large(path: str) -> Callable[[Setup], httpx.Response]:
    return lambda s: s.client.post(path, content=b" " * (1024 * 1024 + 1))


def _chunked(path: str) -> Callable[[Setup], httpx.Response]:
    return lambda s: s.client.post(path, content=iter([b"{}"]))


LINKS, METHODS = "/v1/payment-links", "/v1/payment-methods"
SCENARIOS: dict[tuple[str, str, int], Callable[[Setup], httpx.Response]] = {
    ("GET", "/v1/health", 200): _health,
    ("GET", "/v1/health", 429): _fault("429", _health),
    ("GET", "/v1/health", 500): _fault("500", _health),
    ("GET", "/v1/health", 503): _fault("503", _health),
    ("GET", LINKS, 200): _list_links,
    ("GET", LINKS, 400): lambda s: s.client.get("/payment-links", params={"cursor": "bad"}),
    ("GET", LINKS, 401): _anonymous("GET", "/payment-links"),
    ("GET", LINKS, 429): _rate_limited(lambda s: s.client.get("/payment-links")),
    ("GET", LINKS, 500): _fault("500", lambda s: s.client.get("/payment-links")),
    ("GET", LINKS, 503): _fault("503", lambda s: s.client.get("/payment-links")),
    ("POST", LINKS, 200): _replay_link,
    ("POST", LINKS, 201): _create_link,
    ("POST", LINKS, 400): lambda s: s.client.post("/payment-links", json={"amount_usd": 1}),
    ("POST", LINKS, 401): _anonymous("POST", "/payment-links"),
    ("POST", LINKS, 409): _conflict_link,
    ("POST", LINKS, 411): _chunked("/payment-links"),
    ("POST", LINKS, 413): _too_large("/payment-links"),
    ("POST", LINKS, 429): _rate_limited(_create_link),
    ("POST", LINKS, 500): _fault("500", _create_link),
    ("POST", LINKS, 503): _fault("503", _create_link),
    ("GET", METHODS, 200): _list_methods,
    ("GET", METHODS, 400): lambda s: s.client.get("/payment-methods", params={"status": "x"}),
    ("GET", METHODS, 401): _anonymous("GET", "/payment-methods"),
    ("GET", METHODS, 429): _rate_limited(_list_methods),
    ("GET", METHODS, 500): _fault("500", _list_methods),
    ("GET", METHODS, 503): _fault("503", _list_methods),
    ("POST", METHODS, 200): _replay_method,
    ("POST", METHODS, 201): _create_method,
    ("POST", METHODS, 400): lambda s: s.client.post("/payment-methods", json={"chain": "x"}),
    ("POST", METHODS, 401): _anonymous("POST", "/payment-methods"),
    ("POST", METHODS, 409): _conflict_method,
    ("POST", METHODS, 411): _chunked("/payment-methods"),
    ("POST", METHODS, 413): _too_large("/payment-methods"),
    ("POST", METHODS, 429): _rate_limited(_create_method),
    ("POST", METHODS, 500): _fault("500", _create_method),
    ("POST", METHODS, 503): _fault("503", _create_method),
    # Outside the operations: documented as shared responses.
    ("GET", "/v1/unknown", 404): lambda s: s.client.get("/unknown"),
    ("DELETE", LINKS, 405): lambda s: s.client.delete("/payment-links"),
}


def documented_answers() -> set[tuple[str, str, int]]:
    return {
        (method.upper(), "/v1" + path, int(status))
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
        for status in operation["responses"]
    }


def test_the_description_is_valid_openapi_3_0():
    assert SPEC["openapi"] == "3.0.3"
    validate(copy.deepcopy(SPEC))


def test_the_description_lists_exactly_the_routes_served():
    described = {
        (method.upper(), "/v1" + path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    served = {(method, path) for path, methods in ROUTES.items() for method in methods}
    assert described == served


@pytest.mark.parametrize("path", sorted(ROUTES))
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_the_server_answers_exactly_the_described_methods(emulator, connect, path, method):
    response = connect(emulator).request(method, path.removeprefix("/v1"))
    item = SPEC["paths"][path.removeprefix("/v1")]
    if method.lower() in item:
        assert response.status_code not in (404, 405)
    else:
        assert response.status_code == 405
        described = sorted(m.upper() for m in item if m in HTTP_METHODS)
        assert sorted(response.headers["allow"].split(", ")) == described


def test_every_documented_answer_has_a_scenario():
    exercised = {key for key in SCENARIOS if key[2] not in (404, 405)}
    assert exercised == documented_answers()


@pytest.mark.parametrize(
    ("method", "path", "status"), sorted(SCENARIOS), ids=lambda v: str(v).replace("/", "")
)
def test_answer_conforms_to_the_description(connect, method, path, status):
    with Emulator().start() as emulator:
        response = SCENARIOS[(method, path, status)](Setup(emulator, connect(emulator, KEY)))
    assert response.status_code == status, response.text
    assert_conforms(response, method, path)


def test_rate_limit_headers_on_success_conform(connect):
    with Emulator(rate_limit=RateLimit(5, 1.0)).start() as emulator:
        setup = Setup(emulator, connect(emulator, KEY))
        response = _create_link(setup)
    assert "x-ratelimit-remaining" in response.headers
    assert_conforms(response, "POST", LINKS)


def test_nullable_fields_really_come_back_null(connect):
    with Emulator().start() as emulator:
        setup = Setup(emulator, connect(emulator, KEY))
        link = setup.client.post("/payment-links", json=setup.link())
    assert link.json()["description"] is None
    assert link.json()["expires_at"] is None
    assert_conforms(link, "POST", LINKS)


def test_the_schemas_are_strict_enough_to_catch_a_missing_field(connect):
    with Emulator().start() as emulator:
        emulator.add_fault("incomplete_201")
        setup = Setup(emulator, connect(emulator, KEY))
        response = _create_link(setup)
    with pytest.raises(ValidationError, match="required property"):
        assert_conforms(response, "POST", LINKS)
