"""Retrain settings: one module, driven by the environment.

Nothing set            -> embedded default: SQLite file, in-memory channel layer, eager Celery,
                          console e-mail (the one-command demo).
DATABASE_URL/REDIS_URL -> PostgreSQL (psycopg 3 pool), channels_redis, Celery on Redis.
DJANGO_ENV=production  -> refuses to start without its secrets; hardened transport settings.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from clinic.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

SECRET_KEY = env_secret("SECRET_KEY", required=PRODUCTION, default="dev-only-insecure-key-change-me-0123456789abcdef")
# Keyed hash for device and API tokens; separate from SECRET_KEY so rotating one does not
# invalidate the other.
TOKEN_HASH_KEY = env_secret("TOKEN_HASH_KEY", required=PRODUCTION, default="dev-only-token-hash-key")
if PRODUCTION and (SECRET_KEY.startswith("dev-only") or TOKEN_HASH_KEY.startswith("dev-only")):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY and TOKEN_HASH_KEY must not be the development defaults in production")
DEBUG = env_bool("DEBUG", default=not PRODUCTION and not TESTING)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not env_list("ALLOWED_HOSTS"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind the production proxy the client address arrives in X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=False)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "clinic.admin_site.RetrainAdminConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "clinic",
    "patients",
    "sessions.apps.TherapyConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clinic.middleware.ContentSecurityPolicyMiddleware",
    "clinic.middleware.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
ASGI_APPLICATION = "clinic.asgi.application"
WSGI_APPLICATION = "clinic.wsgi.application"
AUTH_USER_MODEL = "clinic.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clinic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.navigation",
            ],
        },
    }
]

# --- Data stores -----------------------------------------------------------------------------
# Both may carry a password, so both may also come from files (DATABASE_URL_FILE, REDIS_URL_FILE).
DATABASE_URL = env_secret("DATABASE_URL", required=False)
REDIS_URL = env_secret("REDIS_URL", required=False)
if PRODUCTION and not (DATABASE_URL and REDIS_URL):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL and REDIS_URL must be set when DJANGO_ENV=production")

VAR_DIR = Path(env_str("RETRAIN_VAR_DIR", str(BASE_DIR / "var")))
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL, pool=env_bool("DB_POOL", default=True))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "retrain.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("CHANNEL_PREFIX", "retrain"),
                "capacity": 500,
                "expiry": 10,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "retrain",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TIME_LIMIT", 360)
# Long tasks (grading, reports): take one at a time, ack after success, redeliver if the worker dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
# Work queued again when its row waits longer than this (clinic/requeue.py); apps add their tasks.
TASK_REQUEUE_QUEUED_AFTER_S = env_int("TASK_REQUEUE_QUEUED_AFTER_S", 1800)
TASK_REQUEUE_MAX_ATTEMPTS = 3
CELERY_TASK_DEFAULT_QUEUE = "celery"
REQUEUE_STALE_WORK: list[dict] = []
# Fault-injection point of the fault tests (clinic.celery.task_phase: a dotted path called with
# (stage, object) at each stage of a grading, a session report or a reminder); empty in use.
TASK_PHASE_HOOK = env_str("TASK_PHASE_HOOK", "")
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    # Gradings and reports whose queue message was lost are queued again (clinic/requeue.py).
    "clinic-requeue-stale-work": {"task": "clinic.requeue_stale_work", "schedule": timedelta(minutes=5)},
    # Questionnaires due before a visit: one e-mail per questionnaire (a DB row marks it sent).
    "patients-questionnaire-reminders": {
        "task": "patients.send_questionnaire_reminders",
        "schedule": timedelta(hours=1),
    },
}

# --- Auth ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
INVITE_TIMEOUT_SECONDS = env_int("INVITE_TIMEOUT_SECONDS", 60 * 60 * 24 * 7)
# Staff (admins, therapists) must use a TOTP second factor when this is on.
REQUIRE_STAFF_2FA = env_bool("REQUIRE_STAFF_2FA", default=PRODUCTION)
OTP_TOTP_ISSUER = "Retrain"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Transport security -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Content-Security-Policy: no inline script or style anywhere; JSON data goes through json_script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "clinic" / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root; collectstatic fills it in production
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Media is private: there is no MEDIA_URL route; files are served by access-checked views only.
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
STORAGES = {
    "default": {
        "BACKEND": env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": str(MEDIA_ROOT)}
        if env_str("MEDIA_STORAGE_BACKEND", "") in ("", "django.core.files.storage.FileSystemStorage")
        else {},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", required=False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Retrain <no-reply@retrain.local>")

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "clinic.api_errors.exception_handler",
    # OPTIONS answers 405: the OpenAPI schema describes the API (DRF's metadata needs a queryset).
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "1200/min"},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Retrain API",
    "DESCRIPTION": "Facial neuromuscular retraining: patients, evaluations, EMG sessions, home programs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clinic.api_schema.add_error_responses",
    ],
    # Several models have a "kind" or "status"; name each set of choices in the schema.
    "ENUM_NAME_OVERRIDES": {
        "EvaluationKindEnum": "patients.models.evaluation.Evaluation.Kind",
        "EvaluationStatusEnum": "patients.models.evaluation.Evaluation.Status",
        "ConsentKindEnum": "patients.models.record.Consent.Kind",
        "ConsentMethodEnum": "patients.models.record.Consent.Method",
        "TreatmentKindEnum": "patients.models.treatment.TreatmentEvent.Kind",
        "QuestionnaireStatusEnum": "patients.models.questionnaire.QuestionnaireAssignment.Status",
        "QuestionnaireSourceEnum": "patients.models.questionnaire.QuestionnaireAssignment.Source",
    },
}

# --- i18n --------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: structured, never patient data (ids only) ----------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clinic.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

SILENCED_SYSTEM_CHECKS: list[str] = []
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    # HSTS preload commits the whole registered domain (and its subdomains) to HTTPS in browsers for
    # a long time; that is the domain owner's decision, made with SECURE_HSTS_PRELOAD=1 (see
    # docs/operations.md). HSTS itself is on.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Feature areas append their demo seeders (called with clinic.demo.DemoClinic).
DEMO_SEEDERS: list[str] = [
    "patients.demo.seed_record_and_evaluations",
    "sessions.ingest.demo.seed_demo_agent",
]

# --- Patient record and evaluations -----------------------------------------------------------------
# Questionnaires due within this many days are e-mailed to the patient once.
QUESTIONNAIRE_REMINDER_DAYS = env_int("QUESTIONNAIRE_REMINDER_DAYS", 3)
# Canonical base of the project's FHIR CodeSystems and Questionnaires (served under /api/v1/fhir/).
# Set it once per deployment and keep it: exported codes carry it as their system.
FHIR_CANONICAL_BASE = env_str("FHIR_CANONICAL_BASE", SITE_URL + "/api/v1/fhir").rstrip("/")

# --- Extension points between areas (see clinic/hooks.py and docs/extension-points.md) -----------
# Tabs on the patient page: (key, label, url name taking patient_id).
PATIENT_TABS: list[tuple[str, str, str]] = [
    ("overview", "Overview", "patients:detail"),
    ("timeline", "Timeline", "patients:timeline"),
    ("evaluations", "Evaluations", "patients:evaluations"),
    ("progress", "Progress", "patients:progress"),
    ("questionnaires", "Questionnaires", "patients:questionnaires"),
    ("treatments", "Treatments", "patients:treatments"),
]
PATIENT_TIMELINE_PROVIDERS: list[str] = []
PROGRESS_SERIES_PROVIDERS: list[str] = []
FHIR_CONTRIBUTORS: list[str] = []
PORTAL_SECTIONS: list[str] = ["patients.questionnaires.portal.questionnaires_due_section"]
DASHBOARD_ALERT_PROVIDERS: list[str] = ["patients.questionnaires.alerts.overdue_questionnaires"]

# --- Device ingest (sessions/ingest; protocol in docs/protocol.md) ------------------------------
# Async callables told about every committed batch of windows (the live biofeedback seam):
# ``async def listener(recording: RecordingInfo, windows: list[CommittedWindow])``.
INGEST_LISTENERS: list[str] = []
INGEST_LISTENER_TIMEOUT_SECONDS = 2.0
INGEST_LISTENER_MAX_PENDING = 2000
INGEST_BATCH_INTERVAL_MS = env_int("INGEST_BATCH_INTERVAL_MS", 25)
INGEST_MAX_BATCH_WINDOWS = 4000
INGEST_MAX_QUEUED_WINDOWS = 20000
INGEST_MAX_IN_FLIGHT_PER_CONNECTION = 1000
INGEST_MAX_FRAME_BYTES = 64 * 1024
INGEST_MAX_RECORDINGS_PER_CONNECTION = 32
INGEST_MAX_SEQ_AHEAD = 10_000
INGEST_MAX_REJECTS_PER_CONNECTION = 50
# A chair sends 20–40 windows/s; replaying a backlog after an outage goes faster, within these.
INGEST_RATE_WINDOWS_PER_SECOND = env_int("INGEST_RATE_WINDOWS_PER_SECOND", 400)
INGEST_RATE_WINDOWS_BURST = env_int("INGEST_RATE_WINDOWS_BURST", 800)
INGEST_RATE_BYTES_PER_SECOND = 2_000_000
INGEST_RATE_BYTES_BURST = 4_000_000
INGEST_AUTH_FAILURES_PER_MINUTE = env_int("INGEST_AUTH_FAILURES_PER_MINUTE", 20)
# Refused API tokens are audited, up to this many a minute from one address (not every one of a flood).
API_AUTH_FAILURES_AUDITED_PER_MINUTE = env_int("API_AUTH_FAILURES_AUDITED_PER_MINUTE", 20)
INGEST_REVALIDATE_SECONDS = env_int("INGEST_REVALIDATE_SECONDS", 30)
INGEST_HELLO_TIMEOUT_SECONDS = 10
# A device.disconnect audit row that could not be written (database down) is retried this long.
INGEST_DEFERRED_AUDIT_SECONDS = env_int("INGEST_DEFERRED_AUDIT_SECONDS", 600)
# zlib level for stored payloads, 0 = raw int16/int24/float32 bytes. Surface EMG is noise-like:
# zlib-1 saves about 7 % on it for ~50 µs per window, so the default stores the samples as sent.
INGEST_COMPRESSION_LEVEL = env_int("INGEST_COMPRESSION_LEVEL", 0)

# --- Photo and video record (patients.media) ---------------------------------------------------------
# Task modules outside an app's tasks.py are imported by the worker from here.
CELERY_IMPORTS = ["patients.media.tasks"]
MEDIA_PHOTO_MAX_BYTES = env_int("MEDIA_PHOTO_MAX_BYTES", 20 * 1024 * 1024)
MEDIA_VIDEO_MAX_BYTES = env_int("MEDIA_VIDEO_MAX_BYTES", 200 * 1024 * 1024)
PATIENT_TABS.append(("media", "Photos & video", "patients:media"))
REQUEUE_STALE_WORK.append(
    {
        "model": "patients.GradingRun",
        "task": "patients.media.tasks.grade_run",
        "argument": "pk",
        "running_since": "started_at",
        "audit_action": "grading.requeue",
        "patient": "patient",
    }
)
REQUEUE_STALE_WORK.append(
    {
        "model": "patients.MediaAsset",
        "task": "patients.media.tasks.prepare_video",
        "argument": "pk",
        "status_field": "state",
        "queued": [],
        "running": ["preparing"],
        "running_since": "uploaded_at",
        "audit_action": "media.prepare_requeue",
        "patient": "patient",
    }
)
PATIENT_TIMELINE_PROVIDERS.append("patients.media.hooks.timeline_entries")
PROGRESS_SERIES_PROVIDERS.append("patients.media.hooks.progress_series")
FHIR_CONTRIBUTORS.append("patients.media.hooks.fhir_media")
DEMO_SEEDERS.append("patients.media.demo.seed_graded_photo_set")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "MediaKindEnum": "patients.models.media.MediaAsset.Kind",
        "MediaSourceEnum": "patients.models.media.MediaAsset.Source",
        "MediaStateEnum": "patients.models.media.MediaAsset.State",
        "MediaViewEnum": "patients.models.media.MediaView",
        "GradingStatusEnum": "patients.models.media.GradingRun.Status",
        "AssetGradingStatusEnum": "patients.models.media.AssetGrading.Status",
        "GradingScaleEnum": "patients.models.media.GradingSuggestion.Scale",
    }
)

# --- Home programs and follow-up (sessions/programs, sessions/followup) ----------------------------
# Adherence falls as programs grow: the builder warns above these per-day numbers.
HOME_PROGRAM_LOAD_LIMITS = {
    "exercises": env_int("HOME_PROGRAM_MAX_EXERCISES", 8),
    "minutes": env_int("HOME_PROGRAM_MAX_MINUTES", 20),
}
HOME_PROGRAM_LOW_ADHERENCE = 0.5  # last 7 days, fraction of scheduled practice
HOME_PROGRAM_TIGHTNESS_RISE = 1.5  # points of mean tightness, last 7 days against the 7 before
# Reminder e-mails: how often beat looks for due reminders, and how long a worker's claim on one
# lasts before another worker may take it over (longer than the hard task time limit, so a live
# worker is never overtaken).
REMINDER_DISPATCH_SECONDS = env_int("REMINDER_DISPATCH_SECONDS", 600)
REMINDER_CLAIM_LEASE_SECONDS = env_int("REMINDER_CLAIM_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT + 60)
REMINDER_PRACTICE_LAPSE_DAYS = 3
CELERY_BEAT_SCHEDULE["therapy-reminders"] = {
    "task": "therapy.reminders_dispatch",
    "schedule": float(REMINDER_DISPATCH_SECONDS),
}
PATIENT_TABS += [
    ("program", "Home program", "therapy:patient-program"),
    ("followup", "Follow-up", "therapy:patient-followup"),
]
PATIENT_TIMELINE_PROVIDERS += ["sessions.programs.hooks.timeline", "sessions.followup.hooks.timeline"]
PROGRESS_SERIES_PROVIDERS += ["sessions.programs.hooks.progress_series"]
FHIR_CONTRIBUTORS += ["sessions.programs.fhir.program_resources", "sessions.followup.fhir.appointment_resources"]
DEMO_SEEDERS += ["sessions.programs.demo.seed_home_programs"]
# How quickly a message of a killed worker is redelivered (kombu's Redis sweep: interval × throttle s
# after its visibility timeout). Kombu's defaults unless set; the reminder fault tests shorten them.
for _option, _env in (
    ("unacked_restore_interval", "CELERY_UNACKED_RESTORE_INTERVAL"),
    ("unacked_restore_throttle", "CELERY_UNACKED_RESTORE_THROTTLE"),
):
    if env_str(_env):
        CELERY_BROKER_TRANSPORT_OPTIONS[_option] = env_int(_env, 10)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "ExerciseKindEnum": "sessions.api_enums.EXERCISE_KIND",
    "AppointmentKindEnum": "sessions.api_enums.APPOINTMENT_KIND",
    "AppointmentStatusEnum": "sessions.api_enums.APPOINTMENT_STATUS",
    "PracticeStatusEnum": "sessions.api_enums.PRACTICE_STATUS",
    "GoalStatusEnum": "sessions.api_enums.GOAL_STATUS",
}

# --- EMG biofeedback sessions (sessions/biofeedback) -----------------------------------------------
INGEST_LISTENERS.append("sessions.biofeedback.live.on_windows")
# Live frames travel on their own channel layer: Redis pub/sub (at most once, pushed to every server
# process with watchers), one message per tick for all sessions (sessions/biofeedback/fanout.py).
# Per-frame messages on the default layer fell seconds behind at 20 chairs (docs/performance.md).
BIOFEEDBACK_CHANNEL_LAYER = "live"
if REDIS_URL:
    CHANNEL_LAYERS["live"] = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "retrain") + "-live"},
    }
else:
    CHANNEL_LAYERS["live"] = {"BACKEND": "channels.layers.InMemoryChannelLayer"}
BIOFEEDBACK_FRAME_INTERVAL_S = 0.035  # live frames per session at most ~25 Hz
BIOFEEDBACK_SESSION_CACHE_SECONDS = 1.0  # a threshold change reaches every server process within this
BIOFEEDBACK_FANOUT_QUEUE = 2000  # frames waiting to be published before the oldest is dropped
CELERY_IMPORTS.append("sessions.biofeedback.tasks")
REQUEUE_STALE_WORK.append(
    {
        "model": "therapy.SessionReport",
        "task": "sessions.biofeedback.tasks.session_report",
        "argument": "session_id",
        "running_since": "created_at",
        "audit_action": "biofeedback.report_requeue",
        "audit_object": "session",
        "patient": "session.patient",
    }
)
PATIENT_TABS.append(("biofeedback", "EMG sessions", "therapy:patient-biofeedback"))
PATIENT_TIMELINE_PROVIDERS.append("sessions.biofeedback.hooks.timeline")
PROGRESS_SERIES_PROVIDERS.append("sessions.biofeedback.hooks.progress_series")
DEMO_SEEDERS += [
    "sessions.biofeedback.demo.seed_past_biofeedback_sessions",
    "sessions.biofeedback.demo.seed_biofeedback_session",
]
