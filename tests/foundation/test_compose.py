"""docker-compose.yml keeps the production shape (no Docker engine here, so the file is checked)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_production_services_with_healthchecks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    web_env = services["web"]["environment"]
    assert web_env["DJANGO_ENV"] == "production"
    assert web_env["DATABASE_URL"].startswith("postgres://") and web_env["REDIS_URL"].startswith("redis://")
    assert web_env["SECRET_KEY_FILE"].startswith("/run/secrets/")
    assert "media:/data/media" in services["web"]["volumes"]
    assert services["worker"]["command"][:3] == ["celery", "-A", "clinic"]
    assert "beat" in services["beat"]["command"]
