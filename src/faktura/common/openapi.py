"""Error statuses in the OpenAPI document, documented once for every operation.

Every operation can answer some of the API's errors whatever its router declared: 400 when it
takes parameters or a body (validation, NUL characters, a too-large body), 401 and 403 when
it needs authentication (a missing token; a role check), 404 when its path names an object.
`document_error_statuses` adds those it lacks, all in the one error format, so routers declare
only their success answers and the errors peculiar to them (409, 422).
"""

from __future__ import annotations

from typing import Any

from faktura.common.schemas import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
DESCRIPTIONS = {
    400: "Bad input: the fields named in `error.fields`",
    401: "Not authenticated",
    403: "The role does not allow this",
    404: "Not found, or another tenant's",
    409: "The object's state does not allow this",
    422: "A business rule forbids this",
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def statuses_for(operation: dict[str, Any], path: str) -> list[int]:
    """The error statuses an operation can answer by its shape alone."""
    statuses = []
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(400)
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    return statuses


def document_error_statuses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error statuses each operation of the OpenAPI `schema` can answer (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        definition = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definition.pop("$defs", {}))
        components["ErrorOut"] = definition
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in statuses_for(operation, path):
                if status in responses or str(status) in responses:
                    continue
                responses[status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    return schema
