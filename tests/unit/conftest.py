"""Shared fixtures of the unit tests (SQLite, no services, no collectstatic).

The settings are the defaults of a fresh clone (nothing in the environment:
scripts/test unsets DJANGO_ENV_FILE), static storage included.
"""

import uuid

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """A fresh local-memory cache for every test: no cached results page may
    be carried from one test into the next."""
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
