"""Settings follow the environment: embedded default, real services, production."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.harness.servers import ROOT

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "pool": bool(settings.DATABASES["default"].get("OPTIONS", {}).get("pool")),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
}))
"""


# The probe starts from a clean slate; the browser fixture's async override must not leak either.
_CLEARED = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ENV",
    "CELERY_EAGER",
    "SECRET_KEY",
    "TOKEN_HASH_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_probe(env: dict[str, str], code: str = PROBE) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    base.update(DJANGO_SETTINGS_MODULE="clinic.settings", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


def test_nothing_set_gives_the_embedded_default(tmp_path):
    result = run_probe({"RETRAIN_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["db"] == "django.db.backends.sqlite3"
    assert probe["layer"] == "channels.layers.InMemoryChannelLayer"
    assert probe["eager"] is True
    assert probe["email"] == "django.core.mail.backends.console.EmailBackend"


def test_database_and_redis_urls_select_the_real_services(tmp_path):
    result = run_probe(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/retrain",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "RETRAIN_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["db"] == "django.db.backends.postgresql"
    assert probe["pool"] is True
    assert probe["layer"] == "channels_redis.core.RedisChannelLayer"
    assert probe["eager"] is False
    assert probe["broker"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    result = run_probe(
        {
            "DJANGO_ENV": "production",
            "DATABASE_URL": "postgres://postgres@127.0.0.1/x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "ALLOWED_HOSTS": "clinic.example",
        }
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "refusing to start" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_probe(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": "x" * 60,
            "TOKEN_HASH_KEY": "y" * 40,
            "DATABASE_URL": "postgres://postgres@127.0.0.1/x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s" * 64 + "\n")
    code = "import django; from django.conf import settings; django.setup(); print(settings.SECRET_KEY)"
    result = run_probe({"SECRET_KEY_FILE": str(secret_file), "RETRAIN_VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "s" * 64


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "p" * 20 + "Q7!zR9@kL2#mN4$vB6^xC8&" + "w" * 20,
        "TOKEN_HASH_KEY": "t" * 48,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/retrain",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "clinic.example",
    }
    code = (
        "import sys, django; from django.core.management import call_command; django.setup(); "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    result = run_probe(env, code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in (result.stdout + result.stderr)
