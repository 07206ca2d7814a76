"""settings.py read in fresh processes with controlled environments."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "site"

PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "ENGINE": db["ENGINE"],
    "DB": {k: str(v) for k, v in db.items() if k in ("NAME", "USER", "PASSWORD", "HOST", "PORT", "CONN_MAX_AGE")},
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "SECRET_KEY": settings.SECRET_KEY,
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
    "LOG_DIR": str(settings.LOG_DIR),
    "INSTALLED_APPS": settings.INSTALLED_APPS,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
}))
"""


def run_settings(tmp_path, **env):
    """Import the settings in a new interpreter whose environment is only `env`."""
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SITE),
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "DJANGO_LOG_DIR": str(tmp_path / "logs"),
    }
    environ.update(env)
    environ = {k: v for k, v in environ.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_in(tmp_path, **env):
    result = run_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults(tmp_path):
    s = settings_in(tmp_path)
    assert s["DEBUG"] is False
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DB"]["NAME"] == str(SITE / "db.sqlite3")
    assert s["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert s["CSRF_TRUSTED_ORIGINS"] == []
    # Plain names: runserver and `manage.py test` work without collectstatic.
    assert s["STATICFILES"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert len(s["SECRET_KEY"]) >= 50
    assert "mysite" in s["INSTALLED_APPS"]


def test_secret_key_is_random_per_process(tmp_path):
    assert settings_in(tmp_path)["SECRET_KEY"] != settings_in(tmp_path)["SECRET_KEY"]


def test_log_dir_is_created(tmp_path):
    s = settings_in(tmp_path, DJANGO_LOG_DIR=str(tmp_path / "a" / "b"))
    assert s["LOG_DIR"] == str(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def test_debug_true_uses_plain_static_storage(tmp_path):
    s = settings_in(tmp_path, DJANGO_DEBUG="true")
    assert s["DEBUG"] is True
    assert s["STATICFILES"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.mark.parametrize("debug", ["false", "true"])
def test_deployment_asks_for_hashed_static_names(tmp_path, debug):
    s = settings_in(tmp_path, DJANGO_STATIC_HASHED="true", DJANGO_DEBUG=debug)
    assert s["STATICFILES"] == "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def test_env_file_of_the_role_asks_for_hashed_static_names():
    template = SITE.parent / "ansible" / "roles" / "polls_app" / "templates" / "env.j2"
    assert "DJANGO_STATIC_HASHED=true" in template.read_text().splitlines()


@pytest.mark.parametrize("value, expected", [("1", True), ("Yes", True), ("off", False), ("", False)])
def test_boolean_spellings(tmp_path, value, expected):
    assert settings_in(tmp_path, DJANGO_DEBUG=value)["DEBUG"] is expected


def test_bad_boolean_is_improperly_configured(tmp_path):
    result = run_settings(tmp_path, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_hosts_and_origins_lists(tmp_path):
    s = settings_in(
        tmp_path,
        DJANGO_ALLOWED_HOSTS=" polls.example.com, ,10.0.0.5 ",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://polls.example.com",
    )
    assert s["ALLOWED_HOSTS"] == ["polls.example.com", "10.0.0.5"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://polls.example.com"]


def test_sqlite_path(tmp_path):
    s = settings_in(tmp_path, DJANGO_SQLITE_PATH=str(tmp_path / "x.sqlite3"))
    assert s["DB"]["NAME"] == str(tmp_path / "x.sqlite3")


def test_mysql_engine_with_env_values(tmp_path):
    s = settings_in(
        tmp_path,
        DJANGO_DB_ENGINE="mysql",
        DJANGO_DB_NAME="pollsdb",
        DJANGO_DB_USER="pollsuser",
        DJANGO_DB_PASSWORD="s3cret",
        DJANGO_DB_HOST="db.internal",
        DJANGO_DB_PORT="3307",
    )
    assert s["ENGINE"] == "django.db.backends.mysql"
    assert s["DB"] == {
        "NAME": "pollsdb",
        "USER": "pollsuser",
        "PASSWORD": "s3cret",
        "HOST": "db.internal",
        "PORT": "3307",
        "CONN_MAX_AGE": "60",
    }


def test_mysql_defaults(tmp_path):
    s = settings_in(tmp_path, DJANGO_DB_ENGINE="mysql")
    assert s["DB"]["NAME"] == "polls" and s["DB"]["USER"] == "polls"
    assert s["DB"]["HOST"] == "localhost" and s["DB"]["PASSWORD"] == ""


def test_unknown_db_engine_fails(tmp_path):
    result = run_settings(tmp_path, DJANGO_DB_ENGINE="postgres")
    assert result.returncode != 0 and "DJANGO_DB_ENGINE" in result.stderr


def test_env_file_is_loaded(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text(
        "# deployment settings\n"
        "DJANGO_ALLOWED_HOSTS=polls.example.com\n"
        "DJANGO_SECRET_KEY='from-the-file-0123456789'\n"
        "\n"
        'DJANGO_DEBUG="true"\n'
    )
    s = settings_in(tmp_path, DJANGO_ENV_FILE=str(env_file))
    assert s["ALLOWED_HOSTS"] == ["polls.example.com"]
    assert s["SECRET_KEY"] == "from-the-file-0123456789"
    assert s["DEBUG"] is True


def test_real_environment_wins_over_env_file(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("DJANGO_ALLOWED_HOSTS=from-file.example.com\nDJANGO_DEBUG=true\n")
    s = settings_in(
        tmp_path,
        DJANGO_ENV_FILE=str(env_file),
        DJANGO_ALLOWED_HOSTS="from-env.example.com",
    )
    assert s["ALLOWED_HOSTS"] == ["from-env.example.com"]
    assert s["DEBUG"] is True  # not overridden: still read from the file


def test_require_secret_key_without_key_fails(tmp_path):
    result = run_settings(tmp_path, DJANGO_REQUIRE_SECRET_KEY="true")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_require_secret_key_with_key(tmp_path):
    s = settings_in(tmp_path, DJANGO_REQUIRE_SECRET_KEY="true", DJANGO_SECRET_KEY="k" * 60)
    assert s["SECRET_KEY"] == "k" * 60


def test_forwarded_proto_is_trusted_only_when_configured(tmp_path):
    assert settings_in(tmp_path)["SECURE_PROXY_SSL_HEADER"] is None
    s = settings_in(tmp_path, DJANGO_TRUST_X_FORWARDED_PROTO="true")
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
