"""Production secrets come from the environment or from files named by ``NAME_FILE`` (Docker and
Kubernetes secrets), never from the code."""

from __future__ import annotations

import json

from tests.foundation.test_settings_modes import run_probe

PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "secret_key": settings.SECRET_KEY,
    "token_hash_key": settings.TOKEN_HASH_KEY,
    "email_password": settings.EMAIL_HOST_PASSWORD,
    "redis": settings.REDIS_URL,
    "db": [db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]],
}))
"""


def _write(tmp_path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")
    return str(path)


def test_production_reads_every_secret_from_files(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "clinic.example",
        "SECRET_KEY_FILE": _write(tmp_path, "secret_key", "k" * 30 + "Zq8!rT5#vW2"),
        "TOKEN_HASH_KEY_FILE": _write(tmp_path, "token_hash_key", "h" * 48),
        "EMAIL_HOST_PASSWORD_FILE": _write(tmp_path, "smtp", "mail-pass-7"),
        "DATABASE_URL_FILE": _write(tmp_path, "db_url", "postgres://retrain:s3cr%40t@db.internal:5433/retrain"),
        "REDIS_URL_FILE": _write(tmp_path, "redis_url", "redis://:r3dis@cache.internal:6379/2"),
    }
    result = run_probe(env, PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["secret_key"] == "k" * 30 + "Zq8!rT5#vW2"
    assert probe["token_hash_key"] == "h" * 48
    assert probe["email_password"] == "mail-pass-7"
    assert probe["redis"] == "redis://:r3dis@cache.internal:6379/2"
    assert probe["db"] == ["retrain", "s3cr@t", "db.internal", "5433", "retrain"]


def test_a_secret_file_that_cannot_be_read_stops_the_start(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "clinic.example",
        "SECRET_KEY": "k" * 50,
        "TOKEN_HASH_KEY": "h" * 48,
        "DATABASE_URL_FILE": str(tmp_path / "missing"),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = run_probe(env, PROBE)
    assert result.returncode != 0
    assert "DATABASE_URL_FILE" in result.stderr and "cannot be read" in result.stderr


def test_a_secret_given_twice_is_refused(tmp_path):
    env = {"SECRET_KEY": "a" * 50, "SECRET_KEY_FILE": _write(tmp_path, "secret_key", "b" * 50)}
    result = run_probe({**env, "RETRAIN_VAR_DIR": str(tmp_path)}, PROBE)
    assert result.returncode != 0
    assert "SECRET_KEY or SECRET_KEY_FILE, not both" in result.stderr


def test_production_refuses_the_development_defaults(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "clinic.example",
        "SECRET_KEY": "dev-only-insecure-key-change-me-0123456789abcdef",
        "TOKEN_HASH_KEY": "h" * 48,
        "DATABASE_URL": "postgres://postgres@127.0.0.1/x",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = run_probe(env, PROBE)
    assert result.returncode != 0
    assert "development defaults" in result.stderr
