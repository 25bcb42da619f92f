from __future__ import annotations

import pytest

from tests.ingest.conftest import _close_pooled_connections, device  # noqa: F401 - shared fixtures

ZYGOMATICUS_LR = [{"muscle": "zygomaticus_major", "side": "left"}, {"muscle": "zygomaticus_major", "side": "right"}]
SMILE_AND_EYE = [{"muscle": "zygomaticus_major", "side": "left"}, {"muscle": "orbicularis_oculi", "side": "left"}]


@pytest.fixture(autouse=True)
def _fresh_live_cache():
    from sessions.biofeedback import fanout, live

    live._by_chair.clear()
    live._stale.clear()
    live._engines.clear()
    live._stream_session.clear()
    fanout._publishers.clear()
    fanout._hubs.clear()
    yield


@pytest.fixture
def start_session(therapist_a, patient_a1):
    """``start_session(chair, protocol="symmetry", sites=...)`` → a session started by therapist_a."""
    from sessions.biofeedback.services import biofeedback_session_start

    def start(chair, protocol: str = "symmetry", sites=None, **kw):
        if sites is None:
            sites = ZYGOMATICUS_LR if protocol == "symmetry" else SMILE_AND_EYE
        return biofeedback_session_start(
            actor=therapist_a, patient=patient_a1, chair=chair, protocol=protocol, sites=sites, **kw
        )

    return start


def ws_cookie_headers(user, origin: str | None = "http://127.0.0.1") -> list[tuple[bytes, bytes]]:
    """Headers of a signed-in browser: the session cookie of ``user`` and an Origin."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    headers = [(b"cookie", f"sessionid={cookie}".encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return headers
