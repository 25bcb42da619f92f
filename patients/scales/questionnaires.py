"""Patient questionnaires: SAQ, FaCE and FDI — item definitions and scoring.

The published wording of these instruments is copyrighted. The texts here are our own paraphrases
of what each item asks; a clinic that holds a licence loads the official wording per item (see
``patients.models.QuestionnaireWording``). Answers are stored as the *position* of the chosen
response in the list shown to the patient (1 = first), so scoring rules — reverse coding, item to
domain maps — stay in this module, versioned, and stored answers can be rescored.

Formulas (CLINICAL.md section 6):
- SAQ (Mehta 2007): 9 items, 1 (seldom or never) … 5 (all the time); score = sum / 45 × 100, higher
  is worse.
- FaCE (Kahn 2001): 15 items, six domains, each 100 × (sum − n) / (4n) after reverse coding so that
  5 is always the best answer; higher is better. The item → domain map is to be verified.
- FDI (VanSwearingen 1996): physical items 1–5 score 5 (no difficulty) … 2 (much difficulty), 1 (did
  not do it because of the face), 0 (other reason, left out of N): (sum − N) / N × 25; social items
  6–10 score 6 … 1 with item 6 positively worded: (sum − 5) × 4. Higher is better.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from patients.scales.base import ScaleError, rounded


@dataclass(frozen=True)
class Response:
    value: int  # stored: position in the list shown (or, for FDI physical items, the printed score)
    label: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    responses: str  # key into the instrument's response sets
    domain: str = ""
    reverse: bool = False  # FaCE: the first response is the best one


@dataclass(frozen=True)
class Instrument:
    code: str
    title: str
    full_title: str
    version: str
    citation: str
    instructions: str
    questions: tuple[Question, ...]
    response_sets: Mapping[str, tuple[Response, ...]]
    scores: tuple[dict, ...]
    provisional: tuple[str, ...] = ()
    verify_note: str = ""
    domains: Mapping[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)

    def question(self, code: str) -> Question | None:
        for q in self.questions:
            if q.code == code:
                return q
        return None

    def responses_for(self, question: Question) -> tuple[Response, ...]:
        return self.response_sets[question.responses]

    def validate(self, answers: Mapping[str, Any], *, require_all: bool = True) -> dict[str, int]:
        return validate(self.code, answers, require_all=require_all)

    def score(self, answers: Mapping[str, int]) -> dict:
        return score(self.code, answers)

    def definition(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "full_title": self.full_title,
            "version": self.version,
            "citation": self.citation,
            "instructions": self.instructions,
            "wording": "paraphrase",
            "questions": [
                {
                    "code": q.code,
                    "text": q.text,
                    "domain": q.domain,
                    "responses": [{"value": r.value, "label": r.label} for r in self.responses_for(q)],
                }
                for q in self.questions
            ],
            "scores": list(self.scores),
            "provisional": list(self.provisional),
            "verify_note": self.verify_note,
        }


# --- SAQ ---------------------------------------------------------------------------------------

_SAQ_FREQUENCY = (
    Response(1, "Seldom or never"),
    Response(2, "Now and then"),
    Response(3, "Sometimes"),
    Response(4, "Most of the time"),
    Response(5, "All the time"),
)
SAQ = Instrument(
    code="saq",
    title="SAQ",
    full_title="Synkinesis Assessment Questionnaire",
    version="saq-2007.1",
    citation="Mehta RP, et al. Laryngoscope 2007 (item texts here are our paraphrases).",
    instructions="How often does each of these happen on the affected side of your face?",
    questions=tuple(
        Question(f"saq_{number}", text, "frequency")
        for number, text in enumerate(
            (
                "My eye closes or narrows when I smile.",
                "My eye closes or narrows while I am talking.",
                "My eye closes when I whistle or push my lips forward.",
                "My neck tightens when I smile.",
                "My face feels tight when I shut my eyes.",
                "The corner of my mouth moves when I close my eyes.",
                "My neck tightens when I close my eyes.",
                "My eye waters while I am eating.",
                "My chin dimples or puckers when I move my face.",
            ),
            start=1,
        )
    ),
    response_sets={"frequency": _SAQ_FREQUENCY},
    scores=({"key": "score", "label": "SAQ score", "better": "lower", "minimum": 20, "maximum": 100},),
    verify_note="Scoring as published; item wording is our paraphrase.",
)

# --- FaCE --------------------------------------------------------------------------------------

_FACE_MOVEMENT = (
    Response(1, "Moves normally"),
    Response(2, "Moves a little less than normal"),
    Response(3, "Moves about half as much as normal"),
    Response(4, "Barely moves"),
    Response(5, "Does not move at all"),
)
_FACE_FREQUENCY = (
    Response(1, "All of the time"),
    Response(2, "Most of the time"),
    Response(3, "Some of the time"),
    Response(4, "A little of the time"),
    Response(5, "None of the time"),
)
_FACE_AGREEMENT = (
    Response(1, "Strongly agree"),
    Response(2, "Agree"),
    Response(3, "Neither agree nor disagree"),
    Response(4, "Disagree"),
    Response(5, "Strongly disagree"),
)
FACE_DOMAINS = {
    "movement": "Facial movement",
    "comfort": "Facial comfort",
    "oral": "Oral function",
    "eye": "Eye comfort",
    "lacrimal": "Lacrimal control",
    "social": "Social function",
}
_FACE_QUESTIONS = (
    ("When I smile, the affected side of my face…", "movement", "movement", True),
    ("When I lift my eyebrows, the affected side…", "movement", "movement", True),
    ("When I push my lips forward as if to kiss, the affected side…", "movement", "movement", True),
    ("My face feels tight, strained or tired.", "frequency", "comfort", False),
    ("The eye on the affected side feels dry, gritty or irritated.", "frequency", "eye", False),
    ("Moving my face brings on tension, aching or spasm.", "frequency", "comfort", False),
    ("Food is hard to keep in my mouth or gets caught in my cheek.", "frequency", "oral", False),
    ("People act differently towards me because of my face.", "agreement", "social", False),
    ("I stay away from eating out or eating in front of others because of my face.", "agreement", "social", False),
    ("My face aches or feels sore.", "frequency", "comfort", False),
    ("I need drops or ointment because my eye is dry.", "frequency", "eye", False),
    ("My eye waters more than it should.", "frequency", "lacrimal", False),
    ("Drinks leak or dribble from my mouth.", "frequency", "oral", False),
    ("I avoid meeting people or going out because of my face.", "agreement", "social", False),
    ("My face makes me feel self-conscious or low.", "agreement", "social", False),
)
FACE = Instrument(
    code="face",
    title="FaCE",
    full_title="Facial Clinimetric Evaluation scale",
    version="face-2001.provisional-1",
    citation="Kahn JB, et al. Laryngoscope 2001 (item texts here are our paraphrases).",
    instructions="Think about the past week. Choose the answer that fits you best.",
    questions=tuple(
        Question(f"face_{number}", text, responses, domain, reverse)
        for number, (text, responses, domain, reverse) in enumerate(_FACE_QUESTIONS, start=1)
    ),
    response_sets={"movement": _FACE_MOVEMENT, "frequency": _FACE_FREQUENCY, "agreement": _FACE_AGREEMENT},
    scores=(
        {"key": "total", "label": "FaCE total", "better": "higher", "minimum": 0, "maximum": 100},
        *(
            {"key": key, "label": f"FaCE {label.lower()}", "better": "higher", "minimum": 0, "maximum": 100}
            for key, label in FACE_DOMAINS.items()
        ),
    ),
    provisional=("total", *FACE_DOMAINS),
    verify_note="Domain formula as published; the item → domain map and the total are to be verified.",
    domains=FACE_DOMAINS,
)

# --- FDI ---------------------------------------------------------------------------------------

_FDI_PHYSICAL = (
    Response(5, "No difficulty"),
    Response(4, "A little difficulty"),
    Response(3, "Some difficulty"),
    Response(2, "Much difficulty"),
    Response(1, "I did not do this because of my face"),
    Response(0, "I did not do this for another reason, or it does not apply"),
)
_FDI_SOCIAL = (
    Response(1, "All of the time"),
    Response(2, "Most of the time"),
    Response(3, "A good part of the time"),
    Response(4, "Some of the time"),
    Response(5, "A little of the time"),
    Response(6, "None of the time"),
)
_FDI_QUESTIONS = (
    ("Keeping food in your mouth, moving it around, or food getting stuck in your cheek.", "physical", "physical"),
    ("Drinking from a cup.", "physical", "physical"),
    ("Saying particular sounds when you speak.", "physical", "physical"),
    ("Your eye watering too much or becoming dry.", "physical", "physical"),
    ("Brushing your teeth or rinsing your mouth.", "physical", "physical"),
    ("How much of the time have you felt calm and at ease?", "social", "social"),
    ("How much of the time have you kept away from the people around you?", "social", "social"),
    ("How much of the time have you been short-tempered with the people around you?", "social", "social"),
    ("How often have you woken early or woken several times in the night?", "social", "social"),
    (
        "How often has your face kept you from eating out, shopping or joining family or social activities?",
        "social",
        "social",
    ),
)
FDI_POSITIVE_SOCIAL = ("fdi_6",)
FDI = Instrument(
    code="fdi",
    title="FDI",
    full_title="Facial Disability Index",
    version="fdi-1996.provisional-1",
    citation="VanSwearingen JM, Brach JS. Phys Ther 1996 (item texts here are our paraphrases).",
    instructions=(
        "Items 1–5: over the past month, how much difficulty did you have because of your face? "
        "Items 6–10: over the past month, how often?"
    ),
    questions=tuple(
        Question(f"fdi_{number}", text, responses, domain)
        for number, (text, responses, domain) in enumerate(_FDI_QUESTIONS, start=1)
    ),
    response_sets={"physical": _FDI_PHYSICAL, "social": _FDI_SOCIAL},
    scores=(
        {"key": "physical", "label": "FDI physical function", "better": "higher", "minimum": 0, "maximum": 100},
        {"key": "social", "label": "FDI social / well-being", "better": "higher", "minimum": 0, "maximum": 100},
    ),
    provisional=("physical", "social"),
    verify_note="Formulas as documented; to be verified against the published scoring sheet.",
    domains={"physical": "Physical function", "social": "Social and well-being function"},
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (SAQ, FACE, FDI)}


def get_instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise ScaleError({"instrument": f"unknown questionnaire {code!r}"}) from None


def validate(code: str, answers: Mapping[str, Any], *, require_all: bool = True) -> dict[str, int]:
    """Answers as ``{item code: response value}``; every item must be answered unless ``require_all`` is off."""
    instrument = get_instrument(code)
    if not isinstance(answers, Mapping):
        raise ScaleError({"answers": "an object of answers is expected"})
    errors: dict[str, str] = {}
    cleaned: dict[str, int] = {}
    for key, raw in answers.items():
        question = instrument.question(str(key))
        if question is None:
            errors[str(key)] = "unknown question"
            continue
        if raw is None or raw == "":
            continue
        allowed = [r.value for r in instrument.responses_for(question)]
        value: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            value = int(raw.strip())
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        if value is None or value not in allowed:
            errors[question.code] = f"choose one of the answers ({min(allowed)}–{max(allowed)})"
            continue
        cleaned[question.code] = value
    if require_all:
        for question in instrument.questions:
            if question.code not in cleaned and question.code not in errors:
                errors[question.code] = "please answer this question"
    if errors:
        raise ScaleError(errors)
    return cleaned


def _score_saq(answers: Mapping[str, int]) -> dict:
    total = sum(answers[q.code] for q in SAQ.questions)
    return {"score": rounded(total / 45 * 100), "sum": total}


def face_coded(question: Question, value: int) -> int:
    """The FaCE answer coded 1 (worst) … 5 (best)."""
    return 6 - value if question.reverse else value


def _score_face(answers: Mapping[str, int]) -> dict:
    result: dict[str, Any] = {}
    for domain in FACE_DOMAINS:
        questions = [q for q in FACE.questions if q.domain == domain]
        n = len(questions)
        total = sum(face_coded(q, answers[q.code]) for q in questions)
        result[domain] = rounded(100 * (total - n) / (4 * n))
    n = len(FACE.questions)
    total = sum(face_coded(q, answers[q.code]) for q in FACE.questions)
    result["total"] = rounded(100 * (total - n) / (4 * n))
    return result


def fdi_social_points(question: Question, value: int) -> int:
    """Social answers are stored as positions 1 (all of the time) … 6 (none); the calm item is positive."""
    return 7 - value if question.code in FDI_POSITIVE_SOCIAL else value


def _score_fdi(answers: Mapping[str, int]) -> dict:
    physical_values = [answers[q.code] for q in FDI.questions if q.domain == "physical"]
    counted = [v for v in physical_values if v != 0]
    n = len(counted)
    physical = rounded((sum(counted) - n) / n * 25) if n else None
    social_sum = sum(fdi_social_points(q, answers[q.code]) for q in FDI.questions if q.domain == "social")
    return {
        "physical": physical,
        "physical_items_counted": n,
        "social": rounded((social_sum - 5) * 4),
        "social_sum": social_sum,
    }


_SCORERS = {"saq": _score_saq, "face": _score_face, "fdi": _score_fdi}
_FORMULAS = {
    "saq": {"score": "sum of the 9 answers (1–5) ÷ 45 × 100; higher means more synkinesis"},
    "face": {
        "domain": "100 × (sum − n) ÷ (4n) over the domain's n items, each coded 1 (worst) … 5 (best)",
        "total": "provisional: the same transform over all 15 items",
    },
    "fdi": {
        "physical": "(sum − N) ÷ N × 25 over items 1–5, N = items not answered 'another reason'",
        "social": "(sum − 5) × 4 over items 6–10 scored 6 … 1 (item 6 reversed)",
    },
}


def score(code: str, answers: Mapping[str, int]) -> dict:
    """Scores of a complete, validated set of answers, with the version and formulas used."""
    instrument = get_instrument(code)
    missing = [q.code for q in instrument.questions if answers.get(q.code) is None]
    if missing:
        raise ScaleError({code: "cannot score: unanswered questions" for code in missing})
    result = _SCORERS[code](answers)
    result.update(
        {"version": instrument.version, "provisional": list(instrument.provisional), "formulas": _FORMULAS[code]}
    )
    return result
