from __future__ import annotations

from clinic import services


def test_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/patients/" in paths and "/api/v1/me/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_scripts_authenticate_with_a_hashed_api_token(api_client, therapist_a, patient_a1):
    api_token, plaintext = services.api_token_create(user=therapist_a, name="export script")
    assert plaintext not in api_token.token_digest
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {plaintext}")
    assert api_client.get("/api/v1/me/").json()["username"] == therapist_a.username
    services.api_token_revoke(user=therapist_a, api_token=api_token)
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API token."


def test_validation_errors_share_one_body_shape(api_client, therapist_a):
    api_client.force_authenticate(therapist_a)
    response = api_client.post("/api/v1/patients/", {"first_name": "X", "stage": 9}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert set(error["fields"]) >= {"record_number", "last_name", "stage"}


def test_domain_errors_are_400_with_the_field(api_client, therapist_a, patient_a1):
    api_client.force_authenticate(therapist_a)
    response = api_client.post(
        "/api/v1/patients/",
        {"record_number": patient_a1.record_number, "first_name": "X", "last_name": "Y"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"record_number": ["Another patient already has this record number."]}


def test_patients_cannot_create_records(api_client, patient_a1):
    api_client.force_authenticate(patient_a1.user)
    response = api_client.post(
        "/api/v1/patients/", {"record_number": "Z", "first_name": "X", "last_name": "Y"}, format="json"
    )
    assert response.status_code == 403


def test_health_endpoint_checks_database_and_redis(client, db, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    if settings.REDIS_URL:
        assert response.json()["checks"]["redis"] == "ok"


def test_pages_carry_the_security_headers(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_create_and_revoke_api_tokens_on_their_security_page(client_of, therapist_a):
    client = client_of(therapist_a)
    response = client.post("/accounts/security/", {"action": "create_token", "name": "nightly export"})
    token = response.context["new_token"]
    assert token.startswith("rta_") and token in response.content.decode()
    listing = client.get("/accounts/security/").content.decode()
    assert token not in listing and "nightly export" in listing
    from clinic.models import ApiToken

    api_token = ApiToken.objects.get(user=therapist_a)
    client.post("/accounts/security/", {"action": "revoke_token", "token_id": api_token.pk})
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None


def test_patients_cannot_create_api_tokens(client_of, patient_a1):
    client_of(patient_a1.user).post("/accounts/security/", {"action": "create_token", "name": "x"})
    from clinic.models import ApiToken

    assert not ApiToken.objects.filter(user=patient_a1.user).exists()
