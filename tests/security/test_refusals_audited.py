"""What the audit log records for a refusal, wherever it happens (pages, API, tokens, Django admin),
and the API's answers for what matches no view."""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client

from clinic.models import AuditEvent


def _denied(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED, **filters).order_by("id"))


def test_an_api_refusal_by_role_is_audited_with_the_endpoint(client_of, therapist_a):
    response = client_of(therapist_a).get("/api/v1/audit-events/")
    assert response.status_code == 403
    [event] = _denied(actor=therapist_a)
    assert event.action == "api.AuditEventListApi" and event.object_type == "api"
    assert event.object_id == "/api/v1/audit-events/" and event.extra == {"method": "GET"}


def test_an_api_404_outside_the_access_helpers_is_audited_once(client_of, therapist_a, therapist_b):
    from clinic.services import api_token_create

    api_token, _plain = api_token_create(user=therapist_a, name="Tess's script")
    response = client_of(therapist_b).post(f"/api/v1/tokens/{api_token.pk}/revoke/")
    assert response.status_code == 404
    [event] = _denied(actor=therapist_b)
    assert event.action == "api.ApiTokenRevokeApi"


def test_an_access_helper_refusal_is_audited_once_not_twice(client_of, therapist_b, patient_a1):
    response = client_of(therapist_b).get(f"/api/v1/patients/{patient_a1.pk}/")
    assert response.status_code == 404
    [event] = _denied(actor=therapist_b)
    assert event.action == "patient.view" and event.object_id == str(patient_a1.pk)


def test_a_refused_api_token_is_audited_without_the_secret(db, settings):
    cache.delete("api:authfail:127.0.0.1")
    secret = "rta_0badbeef_" + "s" * 43
    response = Client(HTTP_AUTHORIZATION=f"Token {secret}").get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    [event] = _denied(action="api.authenticate")
    assert event.extra == {"reason": "unknown_token"} and event.actor_label == "api token rta_0badbeef_…"
    assert secret not in str(event.extra) + event.actor_label


def test_a_revoked_api_token_is_audited_against_its_clinic(therapist_a):
    from clinic.services import api_token_create, api_token_revoke

    api_token, plain = api_token_create(user=therapist_a, name="old script")
    api_token_revoke(user=therapist_a, api_token=api_token)
    response = Client(HTTP_AUTHORIZATION=f"Token {plain}").get("/api/v1/me/")
    assert response.status_code == 401
    [event] = _denied(action="api.authenticate")
    assert event.extra == {"reason": "revoked"} and event.clinic_id == therapist_a.clinic_id
    assert event.object_id == str(api_token.pk)


def test_a_flood_of_bad_tokens_from_one_address_is_audited_only_up_to_the_cap(db, settings):
    settings.API_AUTH_FAILURES_AUDITED_PER_MINUTE = 3
    client = Client(HTTP_AUTHORIZATION="Token rta_0badbeef_" + "f" * 43, REMOTE_ADDR="192.0.2.44")
    cache.delete("api:authfail:192.0.2.44")
    for _ in range(10):
        assert client.get("/api/v1/me/").status_code == 401
    assert len(_denied(action="api.authenticate")) == 3


def test_a_clinic_account_at_the_django_admin_is_refused_and_audited(client_of, admin_a):
    response = client_of(admin_a).get("/django-admin/clinic/user/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]
    [event] = _denied(actor=admin_a)
    assert event.action == "page.django_admin" and event.object_id == "/django-admin/clinic/user/"


def test_an_api_path_that_matches_no_route_answers_in_the_api_error_body(client_of, therapist_a):
    response = client_of(therapist_a).get("/api/v1/patients/-1/")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}
    assert Client().get("/no/such/page/").get("Content-Type", "").startswith("text/html")


def test_options_on_the_api_answers_405_not_500(client_of, therapist_a):
    response = client_of(therapist_a).options("/api/v1/questionnaire-wording/saq/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_treatment_without_its_kind_is_a_400_that_names_the_field(client_of, therapist_a, patient_a1):
    response = client_of(therapist_a).post(
        f"/api/v1/patients/{patient_a1.pk}/treatments/", {"performed_on": "2026-01-05", "title": "Nerve graft"}
    )
    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]
