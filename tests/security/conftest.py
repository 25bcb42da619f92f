"""The security suite's world: clinic A with one object of every kind, built once per module.

The world is built inside a transaction that stays open for the module and is rolled back at its
end; each test runs in a savepoint inside it (pytest-django's ``db``), so the ten seconds of
building (a real face photo is checked on upload) are paid once per module, not per test.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from tests.security.world import ROLES, World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("security-media")
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    with override_settings(MEDIA_ROOT=root, STORAGES=storages), django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def role_client(world: World, role: str, **options) -> Client:
    """A test client acting as ``role``: a signed-in session, a device's bearer token, or nobody."""
    assert role in ROLES
    if role in world.device_tokens:
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.device_tokens[role]}", **options)
    client = Client(**options)
    if role in world.users:
        client.force_login(world.users[role])
    return client


@pytest.fixture
def clients(world, db) -> dict[str, Client]:
    return {role: role_client(world, role) for role in ROLES}
