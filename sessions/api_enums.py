"""Choice sets named for the OpenAPI schema (drf-spectacular ENUM_NAME_OVERRIDES needs module-level names)."""

from sessions.models import Appointment, FollowUpGoal, Kind, PracticeLog

EXERCISE_KIND = Kind.choices
APPOINTMENT_KIND = Appointment.Kind.choices
APPOINTMENT_STATUS = Appointment.Status.choices
PRACTICE_STATUS = PracticeLog.Status.choices
GOAL_STATUS = FollowUpGoal.Status.choices
