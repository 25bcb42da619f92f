"""Progress over time (this area's series plus other areas' through the hook) and the comparison page."""

from __future__ import annotations

from patients.progress.series import progress_series
from patients.questionnaires import services as questionnaire_services
from patients.scales.questionnaires import SAQ


def test_series_follow_the_signed_evaluations(two_signed_evaluations, patient_a1):
    first, second = two_signed_evaluations
    series = {s["key"]: s for s in progress_series(patient_a1)}
    composite = series["sunnybrook.composite"]
    assert [p["value"] for p in composite["points"]] == [25.0, 60.0]
    assert [p["date"] for p in composite["points"]] == [first.performed_on, second.performed_on]
    assert composite["higher_is_better"] is True
    assert series["house_brackmann.grade"]["higher_is_better"] is False
    assert [p["value"] for p in series["house_brackmann.grade"]["points"]] == [5.0, 3.0]
    assert series["eface.total"]["provisional"] is True
    assert [p["value"] for p in series["eface.dynamic"]["points"]] == [20.0, 70.0]


def test_drafts_are_not_charted(draft_evaluation, patient_a1, therapist_a):
    from patients.evaluations.services import evaluation_set_scale_items

    evaluation_set_scale_items(
        actor=therapist_a, evaluation=draft_evaluation, scale="house_brackmann", items={"grade": 2}
    )
    assert all(not s["points"] for s in progress_series(patient_a1))


def test_questionnaire_scores_are_charted(therapist_a, patient_a1):
    assignment = questionnaire_services.questionnaire_assign(actor=therapist_a, patient=patient_a1, instrument="saq")
    questionnaire_services.questionnaire_submit(
        actor=patient_a1.user, assignment=assignment, answers={q.code: 2 for q in SAQ.questions}
    )
    saq = next(s for s in progress_series(patient_a1) if s["key"] == "saq.score")
    assert [p["value"] for p in saq["points"]] == [40.0] and saq["higher_is_better"] is False


def test_other_areas_add_series_through_the_hook(settings, patient_a1, two_signed_evaluations, client_of, therapist_a):
    settings.PROGRESS_SERIES_PROVIDERS = ["tests.patients.hooks_for_tests.emg_symmetry_series"]
    keys = [s["key"] for s in progress_series(patient_a1)]
    assert "emg.symmetry.zygomaticus" in keys
    html = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/progress/").content.decode()
    assert 'data-chart="EMG symmetry"' in html and 'data-series="emg.symmetry.zygomaticus"' in html


def test_the_progress_page_draws_svg_charts_with_both_evaluations(
    client_of, therapist_a, patient_a1, two_signed_evaluations
):
    html = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/progress/").content.decode()
    assert html.count('<svg class="chart"') >= 3  # Sunnybrook, eFACE, House-Brackmann
    sunnybrook_chart = html.split('data-chart="Sunnybrook"')[1].split("</section>")[0]
    assert sunnybrook_chart.count("<circle") == 2
    assert "Sunnybrook composite: 60 on" in sunnybrook_chart
    assert "+35" in sunnybrook_chart  # change since the first evaluation


def test_the_progress_api_returns_the_series(api_client, therapist_a, patient_a1, two_signed_evaluations):
    api_client.force_authenticate(therapist_a)
    body = api_client.get(f"/api/v1/patients/{patient_a1.pk}/progress/").json()
    composite = next(s for s in body if s["key"] == "sunnybrook.composite")
    assert [p["value"] for p in composite["points"]] == [25.0, 60.0]


def test_the_comparison_highlights_improvement_and_worsening(
    client_of, therapist_a, patient_a1, two_signed_evaluations
):
    first, second = two_signed_evaluations
    html = (
        client_of(therapist_a)
        .get(f"/patients/{patient_a1.pk}/evaluations/compare/?a={first.pk}&b={second.pk}")
        .content.decode()
    )
    assert "50 days apart" in html
    sunnybrook = html.split('id="compare-sunnybrook"')[1].split("</section>")[0]
    assert 'class="score-line diff-improved"' in sunnybrook  # composite 25 → 60
    assert 'class="score-line diff-worse"' in sunnybrook  # synkinesis 0 → 5
    assert "+35" in sunnybrook
    hb = html.split('id="compare-house_brackmann"')[1].split("</section>")[0]
    assert "diff-improved" in hb  # grade V → III, lower is better


def test_compare_without_choice_picks_the_two_latest(client_of, therapist_a, patient_a1, two_signed_evaluations):
    response = client_of(therapist_a).get(f"/patients/{patient_a1.pk}/evaluations/compare/")
    first, second = two_signed_evaluations
    assert response.status_code == 302 and f"a={first.pk}&b={second.pk}" in response["Location"]
