"""The printable evaluation report."""

from __future__ import annotations

from patients.evaluations.report import build_evaluation_report
from patients.evaluations.services import evaluation_set_scale_items, evaluation_update


def text_of(pdf: bytes) -> str:
    return pdf.decode("latin-1")


def test_the_report_carries_scores_items_provisional_labels_and_amendments(therapist_a, two_signed_evaluations):
    first, second = two_signed_evaluations
    evaluation_set_scale_items(
        actor=therapist_a,
        evaluation=second,
        scale="house_brackmann",
        items={"grade": 2},
        reason="Re-graded in daylight",
    )
    evaluation_update(actor=therapist_a, evaluation=second, notes="Smile improving.", reason="Note added")
    pdf = build_evaluation_report(second, compress=False)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    text = text_of(pdf)
    for expected in (
        "Pat One",
        "House-Brackmann",
        "Grade II",
        "Sunnybrook Facial Grading System",
        "Composite = voluntary - resting - synkinesis = 60",
        "eFACE",
        "Provisional until verified",
        "Re-graded in daylight",
        "Smile improving.",
        second.signed_digest,
        "Page 1",
    ):
        assert expected in text, expected


def test_a_compressed_report_is_smaller_and_still_a_pdf(two_signed_evaluations):
    first, second = two_signed_evaluations
    compressed = build_evaluation_report(second)
    plain = build_evaluation_report(second, compress=False)
    assert compressed.startswith(b"%PDF") and len(compressed) < len(plain)
