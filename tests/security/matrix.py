"""Who may use each route: one entry per URL name and per websocket path.

Every route of the URL resolver (and of the websocket routers) must have an entry here, or
``test_every_route_has_an_entry`` fails: a new route is not shipped until someone has decided who
may reach it.

Roles (see ``tests/security/world.py``): the target objects all belong to clinic A and to its
patient "Zephyrine Quillfeather" (the ``patient`` role); ``other_patient`` is another patient of
clinic A; ``device`` sends the bearer token of an active device of clinic A, ``revoked_device``
that of a revoked one.

An entry names the world objects that fill the route's URL arguments (``kwargs``: argument →
world object, or a callable of the world for arguments that are not primary keys) and the roles
allowed, for every method (a set) or per method (a dict). Methods default to those the view
implements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON = "anonymous"
PAT = "patient"
OPAT = "other_patient"
TH = "therapist"
OTH = "other_clinic_therapist"
ADM = "admin"
OADM = "other_clinic_admin"
DEV = "device"
RDEV = "revoked_device"

EVERYONE = frozenset({ANON, PAT, OPAT, TH, OTH, ADM, OADM, DEV, RDEV})
SIGNED_IN = frozenset({PAT, OPAT, TH, OTH, ADM, OADM})
PATIENTS = frozenset({PAT, OPAT})
THERAPISTS = frozenset({TH, OTH})
ADMINS = frozenset({ADM, OADM})
NOBODY: frozenset[str] = frozenset()
# Who to act as when one allowed role is enough (the CSRF test): the most capable first.
ROLES_BY_PREFERENCE = (TH, ADM, PAT, OTH, OADM, OPAT, ANON)

# The URL arguments every route uses for the same kind of object.
DEFAULT_KWARGS: dict[str, str] = {
    "patient_id": "patient",
    "user_id": "member",
    "device_id": "device",
    "chair_id": "chair",
    "consent_id": "consent",
    "evaluation_id": "evaluation",
    "assignment_id": "assignment",
    "injection_id": "toxin",
    "treatment_id": "treatment",
    "run_id": "run",
    "asset_id": "asset",
    "result_id": "result",
    "item_id": "item",
    "exercise_id": "exercise",
    "media_id": "exercise_media",
    "template_id": "template",
    "program_id": "program",
    "release_day_id": "release_day",
    "goal_id": "goal",
    "appointment_id": "appointment",
    "token_id": "api_token",
    "session_id": "bio_session",
    "trial_id": "bio_trial",
}


@dataclass(frozen=True)
class Route:
    name: str
    allow: frozenset[str] | dict[str, frozenset[str]]
    kwargs: dict[str, str | Callable[[Any], Any]] = field(default_factory=dict)
    methods: tuple[str, ...] = ()
    query: Callable[[Any], str] | None = None
    why: str = ""

    def allowed(self, method: str) -> frozenset[str]:
        if isinstance(self.allow, dict):
            return self.allow[method]
        return self.allow


def _reset_kwargs(world) -> dict[str, str]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = world.patient.user
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def _invite_token(world) -> str:
    from clinic.services import invite_token_make

    return invite_token_make(world.member)


R = Route
ROUTES: list[Route] = [
    # --- Accounts and public pages -----------------------------------------------------------
    R("home", SIGNED_IN, why="a redirect to the role's own home page"),
    R("healthz", EVERYONE),
    R("login", EVERYONE, methods=("GET",), why="POSTs are the brute-force tests"),
    R("logout", EVERYONE, methods=("POST",)),
    R("password_reset", EVERYONE, methods=("GET",)),
    R("password_reset_done", EVERYONE),
    R("password_reset_confirm", EVERYONE, kwargs={"*": _reset_kwargs}, methods=("GET",)),
    R("password_reset_complete", EVERYONE),
    R("password_change", SIGNED_IN, methods=("GET",)),
    R("password_change_done", SIGNED_IN),
    R("activate", EVERYONE, kwargs={"token": _invite_token}, methods=("GET",)),
    R("otp-setup", SIGNED_IN, methods=("GET",)),
    R("account-security", SIGNED_IN, methods=("GET",)),
    R("otp-verify", SIGNED_IN, methods=("GET",)),
    # --- Clinic console (clinic admins of clinic A for clinic A's objects) --------------------
    R("console:home", ADMINS),
    R("console:people", ADMINS),
    R("console:invite", ADMINS),
    R("console:person", {ADM}),
    R("console:devices", ADMINS),
    R("console:device-add", ADMINS),
    R("console:device-rotate", {ADM}),
    R("console:device-revoke", {ADM}),
    R("console:chair-add", ADMINS),
    R("console:chair-toggle", {ADM}),
    R("console:settings", ADMINS),
    R("console:audit", ADMINS),
    # --- Patient record (therapists of the patient's clinic) ----------------------------------
    R("patients:caseload", THERAPISTS),
    R("patients:new", THERAPISTS),
    R("patients:questionnaire-wording", THERAPISTS),
    R("patients:detail", {TH}),
    R("patients:edit", {TH}),
    R("patients:export", {TH}, why="a copy of everything about the patient, on request"),
    R("patients:erase", {TH}, why="GET asks for the record number; POST without it changes nothing"),
    R("patients:stage", {TH}),
    R("patients:consent-add", {TH}),
    R("patients:consent-withdraw", {TH}),
    R("patients:timeline", {TH}),
    R("patients:evaluations", {TH}),
    R("patients:evaluation-compare", {TH}),
    R("patients:evaluation", {TH}),
    R("patients:evaluation-complete", {TH}),
    R(
        "patients:evaluation-amend",
        {TH},
        kwargs={"evaluation_id": "signed_evaluation", "section": lambda w: "house_brackmann"},
    ),
    R("patients:evaluation-discard", {TH}),
    R("patients:evaluation-report", {TH}),
    R("patients:progress", {TH}),
    R("patients:questionnaires", {TH}),
    R("patients:questionnaire", {TH}),
    R("patients:questionnaire-cancel", {TH}),
    R("patients:treatments", {TH}),
    R("patients:toxin-delete", {TH}),
    R("patients:treatment-delete", {TH}),
    R("patients:media", {TH}),
    R("patients:media-compare", {TH}),
    R("patients:media-set", {TH}),
    R("patients:media-grade", {TH}),
    R("patients:media-capture", {TH}),
    R("patients:media-accept", {TH}),
    # --- Patient portal (the patient's own things) --------------------------------------------
    R("portal:home", PATIENTS),
    R("portal:practice", {PAT}),
    R("portal:tightness", PATIENTS),
    R("portal:history", PATIENTS),
    R("portal:appointments", PATIENTS),
    R("portal:handout", PATIENTS),
    R("portal:questionnaire-fill", {PAT}),
    R("portal:questionnaire-done", {PAT}),
    # --- Therapy: library, programs, follow-up ------------------------------------------------
    R("therapy:dashboard", THERAPISTS),
    R("therapy:library", THERAPISTS),
    R("therapy:exercise-new", THERAPISTS),
    R("therapy:exercise", {TH}),
    R("therapy:exercise-archive", {TH}),
    R("therapy:exercise-media-add", {TH}),
    R("therapy:media", {TH, PAT}, why="the patient sees the pictures of the exercises of their program"),
    R("therapy:media-delete", {TH}),
    R("therapy:templates", THERAPISTS),
    R("therapy:template-archive", {TH}),
    R("therapy:patient-program", {TH}),
    R("therapy:program-new", {TH}),
    R("therapy:program", {TH}),
    R("therapy:program-settings", {TH}),
    R("therapy:program-item-add", {TH}),
    R("therapy:program-state", {TH}),
    R("therapy:program-template", {TH}),
    R("therapy:program-handout", {TH}),
    R("therapy:item-update", {TH}),
    R("therapy:item-remove", {TH}),
    R("therapy:item-upgrade", {TH}),
    R("therapy:release-day-ack", {TH}),
    # EMG biofeedback at the chair: the therapists of the patient's clinic (the patient screen is
    # opened by the therapist on a second monitor, under the therapist's sign-in).
    R("therapy:patient-biofeedback", {TH}),
    R("therapy:biofeedback-session", {TH}),
    R("therapy:biofeedback-screen", {TH}),
    R("therapy:biofeedback-state", {TH}),
    R("therapy:biofeedback-calibrate", {TH}),
    R("therapy:biofeedback-trial-start", {TH}),
    R("therapy:biofeedback-trial-stop", {TH}),
    R("therapy:biofeedback-end", {TH}),
    R("therapy:biofeedback-report", {TH}),
    R("therapy:biofeedback-report-status", {TH}),
    R("therapy:patient-followup", {TH}),
    R("therapy:goal-add", {TH}),
    R("therapy:appointment-add", {TH}),
    R("therapy:discharge", {TH}),
    R("therapy:followup-reopen", {TH}),
    R("therapy:goal-status", {TH}),
    R("therapy:appointments", THERAPISTS),
    R("therapy:appointment-status", {TH}),
    # --- API: accounts ------------------------------------------------------------------------
    R("api-me", SIGNED_IN),
    R("api-audit-events", ADMINS),
    R("api-tokens", SIGNED_IN),
    R("api-token-revoke", {TH}, why="the token belongs to the therapist"),
    # --- API: patient record --------------------------------------------------------------------
    R(
        "api-patients",
        {"GET": SIGNED_IN, "POST": THERAPISTS},
        why="a list of the records each may see: a patient their own, an admin none",
    ),
    R("api-patient", {"GET": frozenset({TH, PAT}), "PATCH": frozenset({TH})}, why="a patient reads their own record"),
    R("api-patient-consents", {TH}),
    R("api-patient-consent-withdraw", {TH}),
    R("api-patient-toxin", {TH}),
    R("api-patient-treatments", {TH}),
    R("api-patient-timeline", {TH}),
    R("api-patient-progress", {TH}),
    R("api-patient-fhir", {TH}),
    R("api-patient-evaluations", {TH}),
    R("api-patient-questionnaires", {"GET": frozenset({TH, PAT}), "POST": frozenset({TH})}),
    R("api-evaluation-compare", {TH}, query=lambda w: f"a={w.signed_evaluation.pk}&b={w.evaluation.pk}"),
    R("api-evaluation", {TH}),
    R("api-evaluation-scale", {TH}, kwargs={"scale": lambda w: "house_brackmann"}),
    R("api-evaluation-complete", {TH}),
    R("api-evaluation-report", {TH}),
    R("api-evaluation-fhir", {TH}),
    R("api-scales", SIGNED_IN, why="the published scale definitions, no patient data"),
    R("api-scale-score", THERAPISTS, kwargs={"scale": lambda w: "house_brackmann"}),
    R("api-questionnaire-instruments", SIGNED_IN),
    R(
        "api-questionnaire-wording",
        {"GET": SIGNED_IN, "PUT": THERAPISTS | ADMINS},
        kwargs={"instrument": lambda w: "saq"},
        why="each clinic's staff load their own clinic's licensed wording",
    ),
    R("api-questionnaire", {TH, PAT}),
    R("api-questionnaire-response", {PAT, TH}, why="the patient, or a therapist entering a paper form"),
    R("api-questionnaire-cancel", {TH}),
    # Published FHIR definitions (canonical URLs), no data: open like the schema.
    R("api-fhir-codesystem", EVERYONE, kwargs={"code_system_id": lambda w: "facial-assessment"}),
    R("api-fhir-questionnaire", EVERYONE, kwargs={"questionnaire_id": lambda w: "saq"}),
    # --- API: photos and video --------------------------------------------------------------------
    R("api-evaluation-media", {TH}),
    R("api-evaluation-gradings", {TH}),
    R("api-grading", {TH}),
    R("api-grading-status", {TH}),
    R("api-grading-accept", {TH}),
    R("api-media", {TH}),
    R("api-media-content", {TH}),
    R("api-media-overlay", {TH}),
    # --- API: home programs and follow-up ---------------------------------------------------------
    R("api-exercises", THERAPISTS),
    R("api-exercise", {TH}),
    R("api-program-templates", THERAPISTS),
    R("api-programs", {"GET": frozenset({TH, PAT}), "POST": frozenset({TH})}),
    R("api-program", {"GET": frozenset({TH, PAT}), "PATCH": frozenset({TH}), "DELETE": frozenset({TH})}),
    R("api-program-items", {TH}),
    R("api-program-activate", {TH}),
    R("api-program-finish", {TH}),
    R("api-program-template", {TH}),
    R("api-program-item", {TH}),
    R("api-patient-practice-logs", {TH}),
    R("api-adherence", {TH, PAT}),
    R("api-my-today", PATIENTS),
    R("api-my-practice-logs", PATIENTS),
    R("api-my-tightness", PATIENTS),
    R("api-dashboard", THERAPISTS),
    R("api-followup", {TH}),
    R("api-goals", {TH}),
    R("api-discharge", {TH}),
    R("api-appointments", {"GET": frozenset({TH, PAT}), "POST": frozenset({TH})}),
    R("api-appointment", {TH}),
    R("api-my-appointments", PATIENTS),
    # --- Schema and docs ----------------------------------------------------------------------------
    # The schema describes the API, no data; a token that is not an API token is refused even here.
    R("api-schema", EVERYONE - {DEV, RDEV}),
    R("api-docs", EVERYONE - {DEV, RDEV}),
]

# Django's admin site: every one of its routes is for superusers only, and none of the roles is
# one (each is checked with the admin object kwargs filled by a clinic A object).
ADMIN_SITE = Route("admin:*", NOBODY)
ADMIN_SITE_OPEN = Route("admin:login/logout", EVERYONE, why="its own sign-in page and sign-out")
ADMIN_SITE_OPEN_NAMES = {"admin:login", "admin:logout"}

# Websocket paths (clinic/routing.py, sessions/routing.py).
WEBSOCKET_ROUTES: list[Route] = [
    Route("ws/device/", {DEV}, why="bearer token of an active device, never a browser"),
    Route(
        "ws/biofeedback/<int:session_id>/",
        {TH},
        kwargs={"session_id": "bio_session"},
        why="the live view: therapists of the patient's clinic, from our own origin",
    ),
]

ROUTES_BY_NAME = {route.name: route for route in ROUTES}

# What a role may never see in any answer, whatever the route (keys of world.SECRET).
NEVER_SEEN: dict[str, frozenset[str]] = {
    ANON: frozenset(
        {
            "patient",
            "member",
            "device",
            "chair",
            "exercise",
            "program",
            "template",
            "goal",
            "appointment",
            "treatment",
            "toxin",
            "evaluation",
        }
    ),
    DEV: frozenset(
        {
            "patient",
            "member",
            "device",
            "chair",
            "exercise",
            "program",
            "template",
            "goal",
            "appointment",
            "treatment",
            "toxin",
            "evaluation",
        }
    ),
    RDEV: frozenset(
        {
            "patient",
            "member",
            "device",
            "chair",
            "exercise",
            "program",
            "template",
            "goal",
            "appointment",
            "treatment",
            "toxin",
            "evaluation",
        }
    ),
    OTH: frozenset(
        {
            "patient",
            "member",
            "device",
            "chair",
            "exercise",
            "program",
            "template",
            "goal",
            "appointment",
            "treatment",
            "toxin",
            "evaluation",
        }
    ),
    OADM: frozenset(
        {
            "patient",
            "member",
            "device",
            "chair",
            "exercise",
            "program",
            "template",
            "goal",
            "appointment",
            "treatment",
            "toxin",
            "evaluation",
        }
    ),
    # Another patient of the same clinic may see their own therapist (the "member"), nothing else.
    OPAT: frozenset(
        {
            "patient",
            "device",
            "chair",
            "exercise",
            "program",
            "template",
            "goal",
            "appointment",
            "treatment",
            "toxin",
            "evaluation",
        }
    ),
    # Clinic admins manage accounts and devices; they do not read clinical records.
    ADM: frozenset({"exercise", "program", "template", "goal", "appointment", "treatment", "toxin", "evaluation"}),
    # Evaluations are the therapists' working documents; devices and staff accounts are not the patient's.
    PAT: frozenset({"evaluation", "device", "chair", "member"}),
    TH: frozenset(),
}
