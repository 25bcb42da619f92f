from __future__ import annotations

import pytest


@pytest.fixture
def device(transactional_db, clinic_a, admin_a):
    """A registered device at a chair of clinic A; ``device.token`` is its bearer token."""
    from django.core.cache import cache

    from clinic import services
    from clinic.models import Chair

    cache.delete("ingest:authfail:127.0.0.1")
    chair = Chair.objects.create(clinic=clinic_a, name="Chair 1")
    issued = services.device_register(actor=admin_a, clinic=clinic_a, name="chair1-pi", chair=chair)
    device = issued.device
    device.token = issued.token
    yield device
    cache.delete("ingest:authfail:127.0.0.1")


@pytest.fixture(scope="session", autouse=True)
def _close_pooled_connections(django_db_setup, django_db_blocker):
    """Threads of the consumer and batcher return connections to the pool; close it at the end so the
    test database can be dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all():
            close_pool = getattr(conn, "close_pool", None)
            if close_pool is not None:
                close_pool()
