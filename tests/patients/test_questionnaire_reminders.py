"""Due-before-visit reminders: one e-mail per questionnaire, however often the task runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from patients.models import QuestionnaireReminder
from patients.questionnaires import services
from patients.tasks import send_questionnaire_reminders


def test_the_task_emails_once_even_when_run_twice(therapist_a, patient_a1, settings):
    settings.QUESTIONNAIRE_REMINDER_DAYS = 3
    today = timezone.localdate()
    due_soon = services.questionnaire_assign(
        actor=therapist_a, patient=patient_a1, instrument="face", due_on=today + timedelta(days=2)
    )
    services.questionnaire_assign(
        actor=therapist_a, patient=patient_a1, instrument="saq", due_on=today + timedelta(days=10)
    )
    services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="fdi")  # no due date

    first = send_questionnaire_reminders.delay()
    second = send_questionnaire_reminders.delay()

    assert first.get() == 1 and second.get() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient_a1.user.email]
    assert f"/portal/questionnaires/{due_soon.pk}/" in message.body
    assert QuestionnaireReminder.objects.get().assignment == due_soon


def test_completed_cancelled_or_opted_out_patients_get_no_reminder(therapist_a, patient_a1, patient_a2):
    from patients import services as record_services
    from patients.scales.questionnaires import SAQ

    today = timezone.localdate()
    done = services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="saq", due_on=today)
    services.questionnaire_submit(actor=patient_a1.user, assignment=done, answers={q.code: 1 for q in SAQ.questions})
    cancelled = services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="face", due_on=today)
    services.questionnaire_cancel(actor=therapist_a, assignment=cancelled)
    patient_a2.care_team.add(therapist_a)
    record_services.consent_record(actor=therapist_a, patient=patient_a2, kind="electronic", granted=False)
    services.questionnaire_assign(actor=therapist_a, patient=patient_a2, instrument="fdi", due_on=today)

    assert send_questionnaire_reminders.delay().get() == 0
    assert mail.outbox == []


def test_a_failed_send_leaves_no_mark_so_the_next_run_retries(therapist_a, patient_a1, monkeypatch):
    import patients.questionnaires.services as module

    services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="face", due_on=timezone.localdate())

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(module, "send_mail", broken)
    with pytest.raises(OSError):
        send_questionnaire_reminders.delay()
    assert not QuestionnaireReminder.objects.exists()
    monkeypatch.undo()
    assert send_questionnaire_reminders.delay().get() == 1
    assert len(mail.outbox) == 1


def test_the_reminder_is_scheduled_in_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["patients-questionnaire-reminders"]
    assert entry["task"] == "patients.send_questionnaire_reminders"
