"""Every operation of the OpenAPI document lists the error statuses it can answer (issue 10:
list endpoints listed only 200, though they answer 400 and 403)."""

from __future__ import annotations

METHODS = {"get", "post", "put", "patch", "delete"}
ERROR_REF = "#/components/schemas/ErrorOut"


def _operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_its_error_statuses(anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json()
    missing = []
    checked = 0
    for path, method, operation in _operations(spec):
        expected = set()
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("400")
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        responses = operation["responses"]
        for status in sorted(expected - set(responses)):
            missing.append(f"{method.upper()} {path}: {status}")
        for status in expected:
            if status in responses:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, (path, method, status)
        checked += 1
    assert checked > 50
    assert not missing, "\n".join(missing)


def test_lists_document_400_401_and_403(anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json()
    lists = [
        (path, operation)
        for path, method, operation in _operations(spec)
        if method == "get" and any(p["name"] == "offset" for p in operation.get("parameters", []))
    ]
    assert len(lists) > 10
    for path, operation in lists:
        assert {"200", "400", "401", "403"} <= set(operation["responses"]), path


def test_the_health_check_needs_no_error_statuses(anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json()
    assert set(spec["paths"]["/api/v1/health"]["get"]["responses"]) == {"200"}
    assert "ErrorOut" in spec["components"]["schemas"]


def _schema_classes(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schema_classes(sub)


def test_no_two_schemas_share_a_component_name(anon_api):
    """The OpenAPI document keys its components by class name: a second class of the same
    name silently replaces the first, and clients then validate one operation's answers
    against another's schema."""
    from ninja import Schema

    spec = anon_api.get("/api/v1/openapi.json").json()
    components = set(spec["components"]["schemas"])
    by_name: dict[str, set[str]] = {}
    for cls in _schema_classes(Schema):
        if cls.__module__.startswith("faktura.") and cls.__name__ in components:
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert len(by_name) > 50
    shared = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert not shared, shared
