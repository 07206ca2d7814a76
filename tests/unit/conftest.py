"""Shared fixtures of the unit tests (SQLite, no services, no collectstatic)."""
import uuid

import pytest


@pytest.fixture(autouse=True)
def _test_storage_and_cache(settings):
    """Unhashed static files and a fresh local-memory cache for every test.

    The manifest storage of settings.py needs `collectstatic` first; the cache
    must not carry a cached results page from one test into the next.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"unit-test-{uuid.uuid4().hex}",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
