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
    "DB_OPTIONS": db.get("OPTIONS"),
    "DB_CONN_HEALTH_CHECKS": db.get("CONN_HEALTH_CHECKS"),
    "CACHE_LOCATION": settings.CACHES["default"]["LOCATION"],
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "SWIFT_CONTAINER": settings.SWIFT_CONTAINER,
    "SERVICES_TIMEOUT": settings.SERVICES_TIMEOUT,
    "SERVICES_UPLOAD_MAX_BYTES": settings.SERVICES_UPLOAD_MAX_BYTES,
    "SERVICES_CHART_CACHE_SECONDS": settings.SERVICES_CHART_CACHE_SECONDS,
    "LOGGERS": settings.LOGGING["loggers"],
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


@pytest.mark.parametrize(
    "value, expected", [("1", True), ("Yes", True), ("on", True), ("off", False), ("0", False), ("", False)]
)
def test_boolean_spellings(tmp_path, value, expected):
    assert settings_in(tmp_path, DJANGO_DEBUG=value)["DEBUG"] is expected


@pytest.mark.parametrize("name", ["DJANGO_DEBUG", "DJANGO_HTTPS"])
def test_bad_boolean_is_improperly_configured(tmp_path, name):
    # django-environ alone reads anything but a few words as false: a typo
    # must not quietly turn HTTPS off.
    result = run_settings(tmp_path, **{name: "maybe"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_hosts_and_origins_lists(tmp_path):
    s = settings_in(
        tmp_path,
        DJANGO_ALLOWED_HOSTS=" polls.example.com, ,10.0.0.5 ",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://polls.example.com",
    )
    assert s["ALLOWED_HOSTS"] == ["polls.example.com", "10.0.0.5"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://polls.example.com"]


def test_sqlite_path(tmp_path):
    s = settings_in(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DB"]["NAME"] == str(tmp_path / "x.sqlite3")


def test_mysql_from_one_url(tmp_path):
    s = settings_in(tmp_path, DATABASE_URL="mysql://pollsuser:s3cr%2Fet@db.internal:3307/pollsdb")
    assert s["ENGINE"] == "django.db.backends.mysql"
    assert s["DB"] == {
        "NAME": "pollsdb",
        "USER": "pollsuser",
        "PASSWORD": "s3cr/et",  # percent-encoded in the URL
        "HOST": "db.internal",
        "PORT": "3307",
        "CONN_MAX_AGE": "60",
    }
    assert s["DB_OPTIONS"] == {"charset": "utf8mb4"}
    assert s["DB_CONN_HEALTH_CHECKS"] is True


def test_mysql_connection_age_and_url_options(tmp_path):
    s = settings_in(
        tmp_path,
        DATABASE_URL="mysql://polls:pw@localhost/polls?connect_timeout=5",
        DJANGO_DB_CONN_MAX_AGE="0",
    )
    assert s["DB"]["HOST"] == "localhost" and s["DB"]["PORT"] == ""
    assert s["DB"]["CONN_MAX_AGE"] == "0"
    assert s["DB_OPTIONS"] == {"connect_timeout": 5, "charset": "utf8mb4"}


def test_other_databases_fail(tmp_path):
    result = run_settings(tmp_path, DATABASE_URL="postgres://polls:pw@db/polls")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DATABASE_URL" in result.stderr


def test_role_env_file_names_the_database_in_one_url():
    template = SITE.parent / "ansible" / "roles" / "polls_app" / "templates" / "env.j2"
    lines = template.read_text().splitlines()
    assert [line for line in lines if line.startswith("DATABASE_URL=mysql://")]
    old = (
        "DJANGO_DB_ENGINE=",
        "DJANGO_DB_NAME=",
        "DJANGO_DB_USER=",
        "DJANGO_DB_PASSWORD=",
        "DJANGO_DB_HOST=",
        "DJANGO_DB_PORT=",
    )
    assert not [line for line in lines if line.startswith(old)]


def test_redis_url_is_the_cache(tmp_path):
    s = settings_in(tmp_path, REDIS_URL="redis://:pw@127.0.0.1:6379/0")
    assert s["CACHE"] == "django_redis.cache.RedisCache"
    assert s["CACHE_LOCATION"] == "redis://:pw@127.0.0.1:6379/0"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_without_redis_sessions_stay_in_the_database(tmp_path):
    s = settings_in(tmp_path)
    assert s["CACHE_LOCATION"] == "polls-site"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize("name", ["DJANGO_DB_RETRY_AFTER", "SERVICES_UPLOAD_MAX_BYTES", "SERVICES_TIMEOUT"])
def test_a_number_that_is_not_one_is_improperly_configured(tmp_path, name):
    result = run_settings(tmp_path, **{name: "lots"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_numbers_of_the_services(tmp_path):
    s = settings_in(
        tmp_path, SERVICES_TIMEOUT="0.5", SERVICES_UPLOAD_MAX_BYTES="1000", SERVICES_CHART_CACHE_SECONDS="7"
    )
    assert (s["SERVICES_TIMEOUT"], s["SERVICES_UPLOAD_MAX_BYTES"], s["SERVICES_CHART_CACHE_SECONDS"]) == (0.5, 1000, 7)
    d = settings_in(tmp_path)
    assert (d["SERVICES_TIMEOUT"], d["SERVICES_UPLOAD_MAX_BYTES"], d["SERVICES_CHART_CACHE_SECONDS"]) == (
        2.0,
        2097152,
        300,
    )


def test_empty_values_count_as_unset(tmp_path):
    """The role's env file writes every variable, empty ones included."""
    s = settings_in(
        tmp_path,
        DJANGO_ALLOWED_HOSTS="",
        DJANGO_HSTS_SECONDS="",
        SWIFT_CONTAINER="",
        DJANGO_DEBUG="",
        SERVICES_UPLOAD_MAX_BYTES="",
    )
    assert s["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert s["SWIFT_CONTAINER"] == "polls-uploads"
    assert s["DEBUG"] is False
    assert s["SERVICES_UPLOAD_MAX_BYTES"] == 2097152


def test_one_logging_dict_with_the_services_loggers(tmp_path):
    s = settings_in(tmp_path, DJANGO_SERVICES_LOG_LEVEL="DEBUG")
    assert s["LOGGERS"]["services"] == {"handlers": ["file", "console"], "level": "DEBUG", "propagate": False}
    assert s["LOGGERS"]["services.redis"]["filters"] == ["services_short_exceptions"]
    assert s["LOGGERS"]["polls"]["level"] == "DEBUG"
    assert settings_in(tmp_path)["LOGGERS"]["services"]["level"] == "INFO"


def test_a_named_env_file_that_is_missing_fails(tmp_path):
    result = run_settings(tmp_path, DJANGO_ENV_FILE=str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "nowhere" in result.stderr


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
