"""The OpenAPI schema says what every operation can answer, errors included.

Every API error has the body ``{"error": {status, code, message, fields}}`` (clinic/api_errors.py);
this hook adds that body as the ``Error`` component and the error statuses each operation can give,
so clients (and the schema checks in tests/security) know every answer's shape.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["status", "code", "message", "fields"],
        }
    },
    "required": ["error"],
}

EVERY_OPERATION = {
    "400": "The request has invalid fields or breaks a rule (see `fields`).",
    "401": "No valid API token or session.",
    "403": "Signed in, but this account may not do this.",
    "404": "Not found, or not yours to see (deliberately the same).",
    "405": "This method is not allowed here.",
}
WITH_A_BODY = {
    "413": "The upload is larger than allowed.",
    "415": "The request body's media type is not accepted here.",
}
METHODS = {"get", "put", "post", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            statuses = dict(EVERY_OPERATION)
            if "requestBody" in operation:
                statuses.update(WITH_A_BODY)
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(status, {"description": description, "content": reference})
    return result
