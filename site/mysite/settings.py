"""Settings for the polls-and-services site.

Everything that differs between a laptop and a server comes from the
environment, read with django-environ; a deployment writes its variables to
one file and names it in DJANGO_ENV_FILE (variables already in the
environment win). With nothing set the site runs on SQLite with a
local-memory cache and files on disk, so `manage.py runserver` and the unit
tests need no services.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


class Env(environ.Env):
    """django-environ with the site's three rules: an empty value counts as
    unset (the role's env file writes every variable, the empty ones too); a
    boolean must be one of BOOLEAN_WORDS (a typo in DJANGO_HTTPS must not
    quietly mean false); a value that does not parse stops the site with
    ImproperlyConfigured naming the variable. List items are trimmed."""

    BOOLEAN_WORDS = {"1", "true", "yes", "on", "0", "false", "no", "off"}

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if self.ENVIRON.get(var) == "" and default is not self.NOTSET:
            return default
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{var}={self.ENVIRON.get(var)!r}: {exc}") from None

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool and isinstance(value, str) and value.strip().lower() not in cls.BOOLEAN_WORDS:
            raise ValueError("must be true or false (yes/no, on/off, 1/0)")
        if cast is list and isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return super().parse_value(value, cast)


env = Env()
# Under mod_wsgi, Apache's SetEnv reaches only the per-request WSGI environ,
# not os.environ: the WSGI script and polls-manage name the deployment's file
# instead (ansible/roles/polls_app/templates/env.j2). A named file that is
# missing is an error, not an empty configuration.
if env.str("DJANGO_ENV_FILE", default=""):
    with open(env.str("DJANGO_ENV_FILE"), encoding="utf-8") as env_file:
        Env.read_env(env_file)

# Off unless asked for: a server that forgets to set it must not leak tracebacks.
DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if env.bool("DJANGO_REQUIRE_SECRET_KEY", default=False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set")
    # A throwaway key for development: sessions do not survive a restart,
    # and no key is ever committed to git.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    # First: a cached anonymous page is answered before the rest run (and
    # what it keeps is the response they all made). mysite/pagecache.py.
    "mysite.pagecache.PageCacheMiddleware",
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
                # A cached page's CSRF token is a stand-in until it is served.
                "mysite.pagecache.csrf_token_stand_in",
            ],
        },
    },
]

WSGI_APPLICATION = "mysite.wsgi.application"

# Database: one URL. SQLite under site/ unless DATABASE_URL says otherwise
# (the deployment: mysql://USER:PASSWORD@HOST:PORT/NAME, MariaDB).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].update(
        {
            # Reuse a connection for a while instead of reconnecting per request.
            "CONN_MAX_AGE": env.int("DJANGO_DB_CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
        }
    )
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("charset", "utf8mb4")
elif DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    raise ImproperlyConfigured(
        "DATABASE_URL must be sqlite:///PATH or mysql://USER:PASSWORD@HOST:PORT/NAME, "
        f"not a {DATABASES['default']['ENGINE']!r} database"
    )

# While the main database is unreachable pages answer 503 with this Retry-After (seconds).
DATABASE_OUTAGE_RETRY_AFTER = env.int("DJANGO_DB_RETRY_AFTER", default=30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalization: the book's readers are Korean; English is the fallback.
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="en-us")
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
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_HASHED = env.bool("DJANGO_STATIC_HASHED", default=False)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media"))
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
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Security headers that do not depend on TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# HTTPS: off for `runserver` and the unit tests, on where the site is deployed
# behind Apache's TLS (the environment file sets DJANGO_HTTPS=true).
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers check health over plain HTTP; everything else is redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
# The certificate of the local CA that signed the site's certificate, offered
# for download on the /tls/ page (unset: the page says there is none to trust).
TLS_CA_CERT = env.str("DJANGO_TLS_CA_CERT", default="")

# Logging as in the book: a `polls` logger writing the verbose format to a
# file; the services app's loggers beside it.
LOG_DIR = Path(env.str("DJANGO_LOG_DIR", default=BASE_DIR / "logs"))
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
    "filters": {
        "services_short_exceptions": {"()": "services.logfilters.ShortExceptionFilter"},
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
        "polls": {"handlers": ["file"], "level": env.str("DJANGO_POLLS_LOG_LEVEL", default="DEBUG")},
        # Tracebacks of 500s go to Apache's error log (stderr under mod_wsgi).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # One line per request that met a database outage (mysite/errors.py).
        "mysite.errors": {"handlers": ["file", "console"], "level": "ERROR", "propagate": False},
        "services": {
            "handlers": ["file", "console"],
            "level": env.str("DJANGO_SERVICES_LOG_LEVEL", default="INFO"),
            "propagate": False,
        },
        # Errors django-redis ignored (Redis down): one line each, no traceback.
        "services.redis": {
            "handlers": ["file", "console"],
            "level": "WARNING",
            "filters": ["services_short_exceptions"],
            "propagate": False,
        },
    },
}

# --- Backing services (the services half) -----------------------------------
# Owned by the services app: Redis (cache, sessions), MongoDB, RabbitMQ, Swift.
# Each is optional; unset means "not configured" and the site still works.

# The services' own timeouts: a backing service that is down or hung costs a
# request at most about this long (seconds), never a traceback.
SERVICES_TIMEOUT = env.float("SERVICES_TIMEOUT", default=2.0)

# The cache: local memory unless REDIS_URL names a Redis
# (redis://:PASSWORD@HOST:6379/0). With Redis it is also the session cache; a
# Redis outage turns cache reads into misses (DJANGO_REDIS_IGNORE_EXCEPTIONS)
# and, because sessions are cached_db, logs nobody out: the session rows stay
# in the database.
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url("REDIS_URL", default="locmemcache://polls-site")}
if REDIS_URL:
    CACHES["default"].update(
        {
            "KEY_PREFIX": "polls",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Redis answers in well under a millisecond: one second is plenty,
                # and bounds what a hung Redis costs each request.
                "SOCKET_CONNECT_TIMEOUT": min(SERVICES_TIMEOUT, 1.0),
                "SOCKET_TIMEOUT": min(SERVICES_TIMEOUT, 1.0),
            },
        }
    )
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "services.redis"

# MongoDB (the "mongo" store of the org chart). Unset → that store answers 503.
# MONGO_DB defaults to the database named in the URI's path, else "polls".
MONGO_URI = env.str("MONGO_URI", default="")
MONGO_DB = env.str("MONGO_DB", default="")
if MONGO_URI and not MONGO_DB:
    from urllib.parse import urlsplit

    MONGO_DB = urlsplit(MONGO_URI).path.lstrip("/") or "polls"

# RabbitMQ: change notices of the org chart. Unset → writes work, no notices.
AMQP_URL = env.str("AMQP_URL", default="")

# Swift (tempauth v1): uploaded images. Unset → files on disk under MEDIA_ROOT.
SWIFT_AUTH_URL = env.str("SWIFT_AUTH_URL", default="")
SWIFT_USER = env.str("SWIFT_USER", default="")
SWIFT_KEY = env.str("SWIFT_KEY", default="")
SWIFT_CONTAINER = env.str("SWIFT_CONTAINER", default="polls-uploads")

# Uploads larger than this are refused with 413.
SERVICES_UPLOAD_MAX_BYTES = env.int("SERVICES_UPLOAD_MAX_BYTES", default=2 * 1024 * 1024)
# How long an org chart stays in the cache (it is also invalidated on every change).
SERVICES_CHART_CACHE_SECONDS = env.int("SERVICES_CHART_CACHE_SECONDS", default=300)

# Anonymous pages (and the fragments of pages with a form) are cached and
# invalidated on every change (mysite/pagecache.py); this bounds what no
# change signals: writes made straight into MongoDB, a change made while
# Redis was down (a new release has keys of its own). 0 turns it off.
PAGE_CACHE_SECONDS = env.int("DJANGO_PAGE_CACHE_SECONDS", default=60)

# A serving process (mysite/wsgi.py) moves what it holds out of the garbage
# collector's full collections, which otherwise pause all its threads for
# 100-250 ms under load: once imported, and again after this many answers
# (mysite/gcfreeze.py). 0 leaves the collector as CPython sets it.
GC_FREEZE_AFTER_REQUESTS = env.int("DJANGO_GC_FREEZE_AFTER_REQUESTS", default=500)

# The services pages log staff in here (services/urls.py); /admin/ keeps its own login.
LOGIN_URL = "services:login"
