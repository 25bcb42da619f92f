"""Treatment models; one module per area (recordings, biofeedback sessions, home programs, follow-up)."""

from sessions.models.biofeedback import BiofeedbackSession, BiofeedbackTrial, SessionMarker, SessionReport
from sessions.models.exercise import Area, Category, Exercise, ExerciseMedia, ExerciseVersion, Kind
from sessions.models.followup import (
    VISIT_INTERVAL_DAYS,
    Appointment,
    FollowUpGoal,
    FollowUpPlan,
    Reminder,
    VisitFrequency,
)
from sessions.models.practice import PracticeLog, ReleaseDay, TightnessReport
from sessions.models.program import Program, ProgramItem, ProgramTemplate, TemplateItem
from sessions.models.recording import Recording, RecordingGap, RecordingWindow

__all__ = [
    "VISIT_INTERVAL_DAYS",
    "Appointment",
    "Area",
    "BiofeedbackSession",
    "BiofeedbackTrial",
    "Category",
    "Exercise",
    "ExerciseMedia",
    "ExerciseVersion",
    "FollowUpGoal",
    "FollowUpPlan",
    "Kind",
    "PracticeLog",
    "Program",
    "ProgramItem",
    "ProgramTemplate",
    "Reminder",
    "Recording",
    "RecordingGap",
    "RecordingWindow",
    "ReleaseDay",
    "SessionMarker",
    "SessionReport",
    "TemplateItem",
    "TightnessReport",
    "VisitFrequency",
]
