"""Building a program: from a template or a past program, dosage, rotation, load, who may edit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic.errors import DomainError
from sessions.models import Program
from sessions.programs import schedule, services
from sessions.programs.dates import clinic_today
from tests.programs.helpers import active_program, exercise, stage_template


def test_a_program_from_the_stage_template_copies_items_rotation_and_dosage(therapist_a, patient_a1, clinic_a):
    template = stage_template(clinic_a, 2)
    program = services.program_create(actor=therapist_a, patient=patient_a1, template=template)
    assert program.status == Program.Status.DRAFT
    assert program.rotation == template.rotation
    assert program.items.count() == template.items.count()
    assert (program.end_date - program.start_date).days == template.duration_days - 1
    massage = program.items.get(version__exercise__key="gentle-face-massage")
    assert massage.every_day  # the template's override travels with the item


def test_the_load_counts_exercises_and_minutes_per_day_over_the_rotation(therapist_a, patient_a1, clinic_a):
    program = services.program_create(actor=therapist_a, patient=patient_a1)
    for key in ("smile-happy-thought", "brow-surprise"):
        services.program_item_add(actor=therapist_a, program=program, exercise=exercise(clinic_a, key))
    items = list(program.items.all())
    load = schedule.program_load(items, program=program)
    # Each: 5 reps × (3 s hold + 4 s) = 35 s, twice a day.
    assert load.average_exercises == 2 and load.average_minutes == pytest.approx(2.3)
    services.program_update(actor=therapist_a, program=program, rotation=[["midface"], ["forehead"]])
    program.refresh_from_db()
    load = schedule.program_load(items, program=program)
    assert len(load.days) == 14  # two day groups over a week: a 14-day cycle
    assert load.average_exercises == 1 and load.max_minutes == pytest.approx(1.2)
    assert load.level == "ok"


def test_a_dosage_override_changes_the_load_and_the_plain_words(therapist_a, patient_a1, clinic_a):
    program = services.program_create(actor=therapist_a, patient=patient_a1)
    item = services.program_item_add(
        actor=therapist_a, program=program, exercise=exercise(clinic_a, "smile-happy-thought"), sets=2, days_per_week=5
    )
    dose = schedule.dose_of(item)
    assert dose.describe() == "5 times, hold 3 seconds, 2 sets, twice a day, 5 days a week"
    # 2 sets × 5 × 7 s + 30 s rest = 100 s, twice a day.
    assert schedule.session_seconds(dose, "movement") * dose.times_per_day == 200
    with pytest.raises(DomainError) as too_many:
        services.program_item_update(actor=therapist_a, item=item, times_per_day=9)
    assert too_many.value.field == "times_per_day"


def test_a_big_program_shows_a_load_warning(therapist_a, patient_a1, clinic_a):
    program = services.program_create(actor=therapist_a, patient=patient_a1)
    keys = [
        "smile-happy-thought",
        "brow-surprise",
        "kiss-pucker",
        "sleepy-eye-closure",
        "nose-wrinkle",
        "disappointed-lower-lip",
        "platysma-activation",
        "scalp-glide",
        "masseter-release",
        "gentle-face-massage",
    ]
    for key in keys:
        services.program_item_add(actor=therapist_a, program=program, exercise=exercise(clinic_a, key))
    load = schedule.program_load(list(program.items.all()), program=program)
    assert load.max_exercises == 10 and load.level != "ok"


def test_days_per_week_are_spread_over_the_week(db):
    assert schedule.weekdays_for(7) == set(range(7))
    assert schedule.weekdays_for(3) == {0, 2, 4}
    assert schedule.weekdays_for(1) == {0}
    assert len(schedule.weekdays_for(5)) == 5


def test_a_program_can_start_from_a_past_program(therapist_a, patient_a1, clinic_a):
    old = active_program(therapist_a, patient_a1, ["smile-happy-thought", "scalp-glide"], reps=7)
    services.program_finish(actor=therapist_a, program=old)
    new = services.program_create(actor=therapist_a, patient=patient_a1, source=old)
    assert [i.version.exercise.key for i in new.items.order_by("order")] == ["smile-happy-thought", "scalp-glide"]
    assert all(i.reps == 7 for i in new.items.all())


def test_giving_a_new_program_completes_the_previous_one(therapist_a, patient_a1):
    first = active_program(therapist_a, patient_a1, ["scalp-glide"])
    second = active_program(therapist_a, patient_a1, ["masseter-release"])
    first.refresh_from_db()
    assert first.status == Program.Status.COMPLETED and second.status == Program.Status.ACTIVE
    assert first.end_date == clinic_today(patient_a1.clinic) - timedelta(days=1) or first.end_date == first.start_date


def test_only_the_author_edits_unless_shared(client_of, therapist_a, therapist_a2, patient_a1, clinic_a):
    program = services.program_create(actor=therapist_a, patient=patient_a1)
    client = client_of(therapist_a2)
    url = f"/therapy/programs/{program.pk}/items/"
    smile = exercise(clinic_a, "scalp-glide")
    assert client.get(f"/therapy/programs/{program.pk}/").status_code == 200  # may look
    assert client.post(url, {"exercise": smile.pk}).status_code == 403
    assert program.items.count() == 0
    services.program_update(actor=therapist_a, program=program, shared=True)
    response = client.post(url, {"exercise": smile.pk})
    assert response.status_code == 302 and program.items.count() == 1
    with pytest.raises(DomainError):
        services.program_update(actor=therapist_a2, program=program, shared=False)


def test_the_api_refuses_edits_by_another_therapist(api_client, therapist_a, therapist_a2, patient_a1):
    program = services.program_create(actor=therapist_a, patient=patient_a1)
    api_client.force_authenticate(therapist_a2)
    response = api_client.patch(f"/api/v1/programs/{program.pk}/", {"title": "Mine now"}, format="json")
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.title != "Mine now"


def test_a_completed_program_becomes_a_template(therapist_a, therapist_a2, patient_a1, patient_a2, clinic_a):
    program = active_program(therapist_a, patient_a1, ["scalp-glide", "masseter-release"], reps=3)
    with pytest.raises(DomainError):
        services.template_from_program(actor=therapist_a, program=program, name="Early jaw work")
    services.program_finish(actor=therapist_a, program=program)
    template = services.template_from_program(actor=therapist_a, program=program, name="Early jaw work")
    assert template.items.count() == 2 and all(i.reps == 3 for i in template.items.all())
    reused = services.program_create(actor=therapist_a2, patient=patient_a2, template=template)
    assert reused.items.count() == 2


def test_a_finished_program_is_locked(therapist_a, patient_a1, clinic_a):
    program = active_program(therapist_a, patient_a1, ["scalp-glide"])
    services.program_finish(actor=therapist_a, program=program, discontinue=True)
    with pytest.raises(DomainError):
        services.program_item_add(actor=therapist_a, program=program, exercise=exercise(clinic_a, "masseter-release"))


def test_the_api_builds_a_program_from_a_template_and_reports_its_load(api_client, therapist_a, patient_a1, clinic_a):
    api_client.force_authenticate(therapist_a)
    template = stage_template(clinic_a, 2)
    created = api_client.post(
        f"/api/v1/patients/{patient_a1.pk}/programs/", {"template_id": template.pk}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert len(body["items"]) == template.items.count()
    assert body["load"]["average_minutes"] > 0 and body["load"]["days"]
    activated = api_client.post(f"/api/v1/programs/{body['id']}/activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active"


def test_the_reason_for_ending_a_program_stays_on_the_record_not_in_the_audit_log(therapist_a, patient_a1):
    from clinic.models import AuditEvent

    program = active_program(therapist_a, patient_a1, ["scalp-glide"])
    reason = "Moved abroad for six months"
    services.program_finish(actor=therapist_a, program=program, discontinue=True, reason=reason)
    program.refresh_from_db()
    assert program.end_reason == reason
    event = AuditEvent.objects.filter(action="program.discontinue", object_id=str(program.pk)).get()
    assert event.extra == {"reason_given": True}
    assert reason not in str(event.extra)
