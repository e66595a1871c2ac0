"""Ids no row can have, walked over every path of the OpenAPI document.

A 64-bit id column overflows on ids beyond 2**63 - 1 (SQLite raises, PostgreSQL refuses the
parameter). Every path, body and query parameter that takes an id must answer such a value
with a clear 4xx naming the parameter, never 500, so a new endpoint is covered the moment it
is added.
"""

from __future__ import annotations

import pytest

TOO_BIG = 2**64
NOT_IDS = {"kind": "invoice", "format": "xrechnung-ubl"}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_int(spec: dict, schema: dict) -> bool:
    schema = _resolve(spec, schema)
    options = schema.get("anyOf", [schema])
    return any(_resolve(spec, o).get("type") == "integer" for o in options)


def _is_int_list(spec: dict, schema: dict) -> bool:
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", [schema]):
        option = _resolve(spec, option)
        if option.get("type") == "array" and _is_int(spec, option.get("items", {})):
            return True
    return False


def _body(spec: dict, operation: dict) -> dict | None:
    """A body whose every integer field (and integer list) holds the too-big id."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    schema = _resolve(spec, content["schema"])
    body = {}
    for name, prop in schema.get("properties", {}).items():
        if name.endswith("_id") and _is_int(spec, prop):
            body[name] = TOO_BIG
        elif name.endswith("_ids") and _is_int_list(spec, prop):
            body[name] = [TOO_BIG]
    return body


@pytest.mark.django_db
def test_ids_beyond_64_bits_never_answer_500(api, anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json()
    checked = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if operation.get("security") == []:
                continue
            where = f"{method.upper()} {path}"
            ids = {
                p["name"]: TOO_BIG
                for p in operation.get("parameters", [])
                if p["in"] == "path" and p["name"] not in NOT_IDS
            }
            url = path.format(**ids, **NOT_IDS)
            if "{operation_id}" in path:
                continue  # a UUID, not an integer id
            if method == "get":
                query = {
                    p["name"]: TOO_BIG
                    for p in operation.get("parameters", [])
                    if p["in"] == "query" and _is_int(spec, p.get("schema", {}))
                    and p["name"] not in ("limit", "offset")
                }  # fmt: skip
                response = api.get(url, **query)
            else:
                body = _body(spec, operation)
                call = getattr(api, method)
                response = call(url, body) if body is not None else call(url)
            assert response.status_code < 500, f"{where}: {response.content[:300]!r}"
            if ids:
                assert response.status_code in (400, 404, 405), where
            checked += 1
    assert checked >= 40


@pytest.mark.django_db
def test_a_too_big_filter_id_names_the_field(api):
    response = api.get("billable-items", contact_id=TOO_BIG)

    assert response.status_code == 400
    assert "contact_id" in response.json()["error"]["fields"]
