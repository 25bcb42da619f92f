"""No secret is written in the code or the deployment files: a scan of what production runs.

The settings have development defaults for SECRET_KEY and TOKEN_HASH_KEY (the one-command demo);
they start with "dev-only" and production refuses them (test_secrets_from_files)."""

from __future__ import annotations

import re

from tests.harness.servers import ROOT

SCANNED = [
    *sorted((ROOT / "clinic").glob("*.py")),
    ROOT / "docker-compose.yml",
    ROOT / "Dockerfile",
    *sorted((ROOT / "scripts").iterdir()),
]

SECRET_NAMES = r"(SECRET_KEY|TOKEN_HASH_KEY|PASSWORD|API_KEY|ACCESS_KEY|PRIVATE_KEY|AUTH_TOKEN)"
PATTERNS = {
    # NAME = "literal" / NAME: literal / NAME="literal" (settings, compose, shell)
    "assigned literal": re.compile(
        rf"""\b[A-Z_]*{SECRET_NAMES}\b\s*[:=]\s*["']?(?!\$|env_|os\.environ|/run/secrets)([^\s"'#,)]{{6,}})"""
    ),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+]*://[^/\s:@\"']+:(?!\$\{)[^/\s@\"']+@"),
    "private key block": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
}
ALLOWED = {
    # The embedded-default values, refused in production.
    "dev-only-insecure-key-change-me-0123456789abcdef": "refused when DJANGO_ENV=production",
    "dev-only-token-hash-key": "refused when DJANGO_ENV=production",
    # The published password of the demo accounts; seed_demo refuses to run in production.
    "retrain-demo-2026": "demo data only",
    # collectstatic while building the image; these values never reach a running container.
    "build-only": "image build step only",
    # A docstring's example of the URL form.
    "postgres://user:pass@": "documentation",
}


def test_no_secret_literal_in_settings_or_deployment_files():
    found = []
    for path in SCANNED:
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for what, pattern in PATTERNS.items():
                for match in pattern.finditer(line):
                    literal = match.group(match.lastindex) if match.lastindex else match.group(0)
                    if literal in ALLOWED or literal.strip("\"'") in ALLOWED:
                        continue
                    found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert not found, "secret-looking literals:\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for():
    samples = [
        'SECRET_KEY = "abcdefghijklmnop"',
        "EMAIL_HOST_PASSWORD: hunter22x",
        "DATABASE_URL: postgres://retrain:topsecret@postgres:5432/retrain",
        "-----BEGIN RSA PRIVATE KEY-----",
    ]
    for sample in samples:
        assert any(p.search(sample) for p in PATTERNS.values()), sample
    assert not PATTERNS["password in a URL"].search("postgres://retrain@postgres:5432/retrain")
    assert not PATTERNS["assigned literal"].search('SECRET_KEY = env_secret("SECRET_KEY", required=PRODUCTION)')


def test_the_demo_accounts_are_never_created_in_production(tmp_path):
    from tests.foundation.test_settings_modes import run_probe

    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "clinic.example",
        "SECRET_KEY": "k" * 50,
        "TOKEN_HASH_KEY": "h" * 48,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/retrain_never_created",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    code = "import django; from django.core.management import call_command; django.setup(); call_command('seed_demo')"
    result = run_probe(env, code)
    assert result.returncode != 0
    assert "not created in production" in result.stderr
