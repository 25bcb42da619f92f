from __future__ import annotations

from tests.ingest.conftest import _close_pooled_connections, device  # noqa: F401 - shared fixtures
