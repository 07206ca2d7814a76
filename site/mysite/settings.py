"""Settings for the polls-and-services site.

Everything that differs between a laptop and a server comes from the
environment (or from the file named by DJANGO_ENV_FILE, see envfile.py).
With nothing set the site runs on SQLite with a local-memory cache and files
on disk, so `manage.py runserver` and the unit tests need no services.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from mysite.envfile import load_env_file

load_env_file()

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = env(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


# Off unless asked for: a server that forgets to set it must not leak tracebacks.
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if env_bool("DJANGO_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set")
    # A throwaway key for development: sessions do not survive a restart,
    # and no key is ever committed to git.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "mysite",  # the project package itself: its ensure_admin command
    "polls.apps.PollsConfig",
    "books.apps.BooksConfig",
    "runtime.apps.RuntimeConfig",
    "services.apps.ServicesConfig",
    "rest_framework",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A main-database outage is a 503 with Retry-After, not a 500 (mysite/errors.py).
    "mysite.errors.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "mysite.wsgi.application"

# Database: SQLite unless DJANGO_DB_ENGINE=mysql (MariaDB in the deployment).
DB_ENGINE = env("DJANGO_DB_ENGINE", "sqlite")
if DB_ENGINE == "sqlite":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("DJANGO_SQLITE_PATH") or BASE_DIR / "db.sqlite3",
        }
    }
elif DB_ENGINE == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": env("DJANGO_DB_NAME", "polls"),
            "USER": env("DJANGO_DB_USER", "polls"),
            "PASSWORD": env("DJANGO_DB_PASSWORD"),
            "HOST": env("DJANGO_DB_HOST", "localhost"),
            "PORT": env("DJANGO_DB_PORT"),
            # Reuse a connection for a while instead of reconnecting per request.
            "CONN_MAX_AGE": env_int("DJANGO_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"charset": "utf8mb4"},
        }
    }
else:
    raise ImproperlyConfigured(f"DJANGO_DB_ENGINE must be sqlite or mysql, not {DB_ENGINE!r}")

# While the main database is unreachable pages answer 503 with this Retry-After (seconds).
DATABASE_OUTAGE_RETRY_AFTER = env_int("DJANGO_DB_RETRY_AFTER", 30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "polls-site",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalization: the book's readers are Korean; English is the fallback.
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", "en-us")
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# Static and media files: Apache serves both (apache/polls-site.conf.j2).
# A deployment sets DJANGO_STATIC_HASHED=true (the polls_app role's env file):
# collectstatic then writes hashed names that Apache lets browsers cache for a
# year, and templates link to those names through the manifest. With nothing
# set (runserver, `manage.py test`, the unit tests) the names stay plain, so no
# collectstatic is needed first.
STATIC_URL = "static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_HASHED = env_bool("DJANGO_STATIC_HASHED", False)
MEDIA_URL = "media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT") or BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            if STATIC_HASHED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Behind a load balancer that terminates TLS: a request is HTTPS when it says
# so in X-Forwarded-Proto. Only where Apache drops that header from everyone
# but the load balancer (the deployment sets this then).
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Security headers that do not depend on TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# HTTPS: off for `runserver` and the unit tests, on where the site is deployed
# behind Apache's TLS (the environment file sets DJANGO_HTTPS=true).
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers check health over plain HTTP; everything else is redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# The certificate of the local CA that signed the site's certificate, offered
# for download on the /tls/ page (unset: the page says there is none to trust).
TLS_CA_CERT = env("DJANGO_TLS_CA_CERT")

# Logging as in the book: a `polls` logger writing the verbose format to a file.
LOG_DIR = Path(env("DJANGO_LOG_DIR") or BASE_DIR / "logs")
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {
            "format": "[%(asctime)s] %(levelname)s [%(name)s:%(lineno)s] %(message)s",
            "datefmt": "%d/%b/%Y %H:%M:%S",
        },
    },
    "handlers": {
        "file": {
            "level": "DEBUG",
            # Reopens the file when logrotate has moved it away (no restart,
            # no copytruncate, no line lost).
            "class": "logging.handlers.WatchedFileHandler",
            "filename": LOG_DIR / "mysite.log",
            "formatter": "verbose",
        },
        "console": {"class": "logging.StreamHandler", "formatter": "verbose"},
    },
    "loggers": {
        "polls": {"handlers": ["file"], "level": env("DJANGO_POLLS_LOG_LEVEL", "DEBUG")},
        # Tracebacks of 500s go to Apache's error log (stderr under mod_wsgi).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # One line per request that met a database outage (mysite/errors.py).
        "mysite.errors": {"handlers": ["file", "console"], "level": "ERROR", "propagate": False},
    },
}

# --- Backing services (the services half) -----------------------------------
# Owned by the services app: Redis (cache, sessions), MongoDB, RabbitMQ, Swift.
# Each is optional; unset means "not configured" and the site still works.

# The services' own timeouts: a backing service that is down or hung costs a
# request at most about this long (seconds), never a traceback.
SERVICES_TIMEOUT = float(env("SERVICES_TIMEOUT", "2") or 2)

# Redis: the cache and the session cache. A Redis outage turns cache reads into
# misses (DJANGO_REDIS_IGNORE_EXCEPTIONS) and, because sessions are cached_db,
# logs nobody out: the session rows stay in the database.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "polls",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Redis answers in well under a millisecond: one second is plenty,
                # and bounds what a hung Redis costs each request.
                "SOCKET_CONNECT_TIMEOUT": min(SERVICES_TIMEOUT, 1.0),
                "SOCKET_TIMEOUT": min(SERVICES_TIMEOUT, 1.0),
            },
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "services.redis"

# MongoDB (the "mongo" store of the org chart). Unset → that store answers 503.
# MONGO_DB defaults to the database named in the URI's path, else "polls".
MONGO_URI = env("MONGO_URI")
MONGO_DB = env("MONGO_DB")
if MONGO_URI and not MONGO_DB:
    from urllib.parse import urlsplit

    MONGO_DB = urlsplit(MONGO_URI).path.lstrip("/") or "polls"

# RabbitMQ: change notices of the org chart. Unset → writes work, no notices.
AMQP_URL = env("AMQP_URL")

# Swift (tempauth v1): uploaded images. Unset → files on disk under MEDIA_ROOT.
SWIFT_AUTH_URL = env("SWIFT_AUTH_URL")
SWIFT_USER = env("SWIFT_USER")
SWIFT_KEY = env("SWIFT_KEY")
SWIFT_CONTAINER = env("SWIFT_CONTAINER") or "polls-uploads"

# Uploads larger than this are refused with 413.
SERVICES_UPLOAD_MAX_BYTES = env_int("SERVICES_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
# How long an org chart stays in the cache (it is also invalidated on every change).
SERVICES_CHART_CACHE_SECONDS = env_int("SERVICES_CHART_CACHE_SECONDS", 300)

LOGGING.setdefault("filters", {})["services_short_exceptions"] = {
    "()": "services.logfilters.ShortExceptionFilter",
}
LOGGING["loggers"]["services"] = {
    "handlers": ["file", "console"],
    "level": env("DJANGO_SERVICES_LOG_LEVEL", "INFO"),
    "propagate": False,
}
# Errors django-redis ignored (Redis down): one line each, no traceback.
LOGGING["loggers"]["services.redis"] = {
    "handlers": ["file", "console"],
    "level": "WARNING",
    "filters": ["services_short_exceptions"],
    "propagate": False,
}

# The services pages log staff in here (services/urls.py); /admin/ keeps its own login.
LOGIN_URL = "services:login"
