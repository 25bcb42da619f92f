"""The PDF handout: the patient's program in plain language and large type."""

from __future__ import annotations

import io

import pypdf

from sessions.programs import services
from sessions.programs.pdf import program_handout_pdf
from tests.programs.helpers import active_program


def _text_and_sizes(data: bytes) -> tuple[str, list[float]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    sizes: list[float] = []

    def visitor(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(font_size * tm[0])

    text = "\n".join(page.extract_text(visitor_text=visitor) for page in reader.pages)
    return text, sizes


def test_the_handout_has_the_steps_cues_dose_and_the_tight_day_rule(therapist_a, patient_a1):
    program = active_program(therapist_a, patient_a1, ["smile-happy-thought", "masseter-release"])
    services.program_update(actor=therapist_a, program=program, rotation=[["midface"], ["jaw"]])
    program.refresh_from_db()
    text, sizes = _text_and_sizes(program_handout_pdf(program))
    flat = " ".join(text.split())
    assert patient_a1.full_name in flat
    assert "Happy-thought smile" in flat and "makes you genuinely happy" in flat
    assert "5 times, hold 3 seconds, twice a day, every day" in flat
    assert "Day A" in flat and "Cheeks and smile" in flat
    assert "On a tight day" in flat and "Jaw muscle massage" in flat
    # Large type: the body text is 13 pt or more (only footnotes are smaller).
    body = [s for s in sizes if s >= 13]
    assert len(body) > 0.7 * len(sizes)


def test_the_patient_downloads_their_own_handout(client_of, therapist_a, patient_a1):
    active_program(therapist_a, patient_a1, ["scalp-glide"])
    response = client_of(patient_a1.user).get("/portal/handout.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
