"""Security headers on real responses: the test server (uvicorn, test settings) and a production
server (uvicorn with DJANGO_ENV=production, its secrets and collected static files) behind an
HTTPS proxy, as the proxy forwards requests (X-Forwarded-Proto)."""

from __future__ import annotations

import http.client
import subprocess
import sys

import pytest

from tests.harness.servers import ROOT, child_env, start_asgi_server

HOST = "clinic.example"


def _get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def assert_hardened(response, *, html: bool) -> None:
    csp = response.getheader("Content-Security-Policy") or ""
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert directives.get("default-src") == "default-src 'self'"
    assert directives.get("script-src") == "script-src 'self'"
    assert directives.get("style-src") == "style-src 'self'"
    assert directives.get("object-src") == "object-src 'none'"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert directives.get("base-uri") == "base-uri 'self'"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    if html:
        assert response.getheader("X-Frame-Options") == "DENY"
        assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"


PAGES = [
    ("/accounts/login/", 200, True),
    ("/healthz", 200, False),
    ("/api/v1/me/", 401, False),  # a JSON error
    ("/patients/", 302, True),  # to the sign-in
    ("/no-such-page/", 404, True),
    ("/static/css/app.css", 200, False),
]


@pytest.mark.parametrize(("path", "status", "html"), PAGES)
def test_every_kind_of_response_carries_the_headers(asgi_server, transactional_db, path, status, html):
    response = _get(asgi_server.port, path)
    assert response.status == status
    assert_hardened(response, html=html)
    assert response.getheader("Strict-Transport-Security") is None  # plain HTTP in tests: no HSTS


def test_signed_in_pages_carry_the_headers(client_of, therapist_a, patient_a1):
    client = client_of(therapist_a)
    for url in (f"/patients/{patient_a1.pk}/", f"/patients/{patient_a1.pk}/timeline/", "/api/v1/me/"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def production_server(asgi_server, process_log_dir, tmp_path):
    static_root = tmp_path / "static"
    env = child_env(
        DJANGO_ENV="production",
        SECRET_KEY="Kp9!" + "x" * 40 + "zQ7#mW2$",
        TOKEN_HASH_KEY="h" * 48,
        ALLOWED_HOSTS=HOST,
        STATIC_ROOT=str(static_root),
        REQUIRE_STAFF_2FA="1",
        CELERY_EAGER="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=240,
    )
    server = start_asgi_server(process_log_dir, env=env, health_headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    yield server
    server.stop()


def test_production_adds_hsts_secure_cookies_and_redirects_to_https(production_server, transactional_db):
    port = production_server.port
    behind_proxy = {"Host": HOST, "X-Forwarded-Proto": "https"}

    plain = _get(port, "/accounts/login/", {"Host": HOST})
    assert plain.status == 301
    assert plain.getheader("Location") == f"https://{HOST}/accounts/login/"

    for path, status, html in PAGES:
        response = _get(port, path, behind_proxy)
        assert response.status == status, path
        assert_hardened(response, html=html)
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", path

    login = _get(port, "/accounts/login/", behind_proxy)
    cookies = login.headers.get_all("Set-Cookie") or []
    csrf = [c for c in cookies if c.startswith("csrftoken=")]
    assert csrf and all("Secure" in c and "SameSite=Lax" in c for c in csrf)

    other_host = _get(port, "/accounts/login/", {"Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert other_host.status == 400
