"""The error contract of DESIGN.md section 6, independent of any one resource."""

import pytest


def test_health_needs_no_auth(anon_api):
    r = anon_api.get("health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_malformed_json_is_400(api):
    r = api.post("contacts", raw='{"name": ')
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid"
    assert "body" in r.json()["error"]["fields"]


def test_wrong_types_name_every_field(api):
    r = api.post("contacts", {"name": ["x"], "payment_terms_days": "soon"})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"name", "payment_terms_days"}


def test_bad_path_parameter_is_400(api):
    r = api.get("contacts/not-a-number")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid"


def test_unknown_id_is_404_in_error_format(api):
    r = api.get("contacts/987654")
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": "not_found", "message": "Contact not found.", "fields": {}}
    }


def test_bad_pagination_is_400_not_500(api):
    assert api.get("contacts", limit=-1).status_code == 400
    assert api.get("contacts", offset="x").status_code == 400


def test_openapi_document_is_served(anon_api):
    r = anon_api.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/contacts" in r.json()["paths"]


def test_nul_characters_are_refused_not_500(api):
    r = api.post("contacts", {"name": "Evil\x00Corp", "street": "Main 1"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid"
    assert list(r.json()["error"]["fields"]) == ["name"]
    r = api.get("contacts", search="a\x00b")
    assert r.status_code == 400
    assert list(r.json()["error"]["fields"]) == ["search"]


@pytest.mark.parametrize("path", ["/api/v1/nonexistent", "/api/v1/operations/", "/api/v1/x/y/z"])
def test_unknown_api_paths_answer_the_json_error(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"
