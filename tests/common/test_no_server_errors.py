"""Inputs that answered 500 (issue 10, finding 5): each is a 400 in the JSON error format."""

from __future__ import annotations

from django.test import Client

HUGE_OFFSET = 2**63


def _list_paths(spec: dict) -> list[str]:
    paths = []
    for path, methods in spec["paths"].items():
        get = methods.get("get")
        if get and "{" not in path:
            names = {p["name"] for p in get.get("parameters", [])}
            if "offset" in names:
                paths.append(path)
    return paths


def test_an_offset_beyond_64_bits_is_400_on_every_list(api, anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json()
    paths = _list_paths(spec)
    assert len(paths) > 10
    for path in paths:
        response = api.get(path, offset=HUGE_OFFSET)
        assert response.status_code == 400, (path, response.content[:300])
        assert "offset" in response.json()["error"]["fields"], path


def test_a_null_timezone_is_400(api):
    response = api.patch("tenant", {"timezone": None})
    assert response.status_code == 400, response.content
    assert "timezone" in response.json()["error"]["fields"]


def test_a_multipart_body_on_a_json_endpoint_is_400(api):
    response = api.client.post(
        "/api/v1/contacts",
        {"name": "Acme"},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


def test_json_nested_5000_deep_is_400(api):
    response = api.post("contacts", raw="[" * 5000 + "]" * 5000)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    response = api.patch("tenant", raw='{"name": ' + "[" * 5000 + "]" * 5000 + "}")
    assert response.status_code == 400, response.content


def test_a_body_over_the_size_limit_answers_the_json_error(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("contacts", {"name": "x" * 2000})
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "too_large"


def test_a_post_to_an_unknown_api_path_is_the_json_404(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/nonexistent", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_json_nested_5000_deep_holding_a_nul_is_400(api):
    response = api.post("contacts", raw='{"name": ' + "[" * 5000 + '"\\u0000"' + "]" * 5000 + "}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
