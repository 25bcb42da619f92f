"""Every home-program and follow-up endpoint is in the OpenAPI schema."""

from __future__ import annotations


def test_the_schema_lists_the_home_program_and_follow_up_endpoints(client, db):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/v1/exercises/",
        "/api/v1/program-templates/",
        "/api/v1/patients/{patient_id}/programs/",
        "/api/v1/programs/{program_id}/items/",
        "/api/v1/programs/{program_id}/activate/",
        "/api/v1/me/today/",
        "/api/v1/me/practice-logs/",
        "/api/v1/me/tightness/",
        "/api/v1/patients/{patient_id}/adherence/",
        "/api/v1/patients/{patient_id}/followup/",
        "/api/v1/patients/{patient_id}/appointments/",
        "/api/v1/dashboard/",
    ):
        assert path in paths, path
