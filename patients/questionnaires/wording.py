"""The text a clinic shows for each questionnaire item: our paraphrase, or its licensed wording."""

from __future__ import annotations

from clinic.models import Clinic
from patients.models import QuestionnaireWording
from patients.scales.questionnaires import get_instrument

INSTRUCTIONS_KEY = "_instructions"


def clinic_texts(clinic: Clinic, instrument: str) -> dict[str, QuestionnaireWording]:
    return {w.item_code: w for w in QuestionnaireWording.objects.filter(clinic=clinic, instrument=instrument)}


def instrument_for_clinic(clinic: Clinic, code: str) -> dict:
    """The instrument definition with the clinic's licensed texts in place of our paraphrases.

    ``wording`` is ``clinic`` when every question has a licensed text, ``mixed`` when only some do,
    and ``paraphrase`` when none do; each question says which text it carries.
    """
    definition = get_instrument(code).definition()
    texts = clinic_texts(clinic, code)
    replaced = 0
    for question in definition["questions"]:
        licensed = texts.get(question["code"])
        question["paraphrase"] = question["text"]
        question["licensed"] = licensed is not None
        if licensed is not None:
            question["text"] = licensed.text
            replaced += 1
    if INSTRUCTIONS_KEY in texts:
        definition["instructions"] = texts[INSTRUCTIONS_KEY].text
    total = len(definition["questions"])
    definition["wording"] = "clinic" if replaced == total else ("mixed" if replaced else "paraphrase")
    licences = sorted({w.licence for w in texts.values() if w.licence})
    definition["licence"] = "; ".join(licences)
    return definition
