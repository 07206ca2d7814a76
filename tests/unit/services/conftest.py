"""Fixtures of the services app's unit tests.

The "mysql" store runs on the SQLite test database; the "mongo" store runs
against a real nx-27017 server (MongoDB's wire protocol over SQLite) that the
session fixture starts on a free loopback port with a temporary data
directory, and stops by its PID at the end. No other backing service is
configured: AMQP_URL and SWIFT_* are emptied, uploads go to a temporary
MEDIA_ROOT.
"""

import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client

from api_client import ApiClient
from processes import stop
from services import backends
from services.stores import mongo as mongo_store
from services_testlib import free_port


@pytest.fixture(scope="session")
def nx_server(tmp_path_factory):
    """A real nx-27017 server for the session: yields its mongodb:// URI."""
    exe = shutil.which("nx-27017", path=str(Path(sys.executable).parent)) or shutil.which("nx-27017")
    if not exe:
        pytest.fail("nx-27017 is not installed in the test virtualenv")
    data = tmp_path_factory.mktemp("nx27017")
    port = free_port()
    log = open(data / "server.out", "wb")
    proc = subprocess.Popen(
        [
            exe,
            "--host",
            "127.0.0.1",
            "-p",
            str(port),
            "--data-dir",
            str(data / "dbs"),
            "--log-file",
            str(data / "nx.log"),
            "--pid-file",
            str(data / "nx.pid"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail(f"nx-27017 exited: {(data / 'server.out').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nx-27017 did not start listening within 20 s")
                time.sleep(0.1)
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        backends.reset_mongo_client()
        stop(proc)  # by PID: the Popen we started
        log.close()


@pytest.fixture(autouse=True)
def services_settings(settings, tmp_path):
    """No backing service configured unless a test says so; uploads in tmp."""
    settings.MONGO_URI = ""
    settings.MONGO_DB = ""
    settings.AMQP_URL = ""
    settings.SWIFT_AUTH_URL = ""
    settings.SWIFT_USER = ""
    settings.SWIFT_KEY = ""
    settings.SWIFT_CONTAINER = "polls-uploads"
    settings.SERVICES_TIMEOUT = 1
    settings.SERVICES_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Fast password hashing: every test logs a user in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    backends.reset_mongo_client()
    yield settings
    backends.reset_mongo_client()


@pytest.fixture
def mongo(settings, nx_server):
    """Configure the mongo store on the nx-27017 server, in a fresh database."""
    settings.MONGO_URI = nx_server
    settings.MONGO_DB = f"test_{uuid.uuid4().hex[:12]}"
    backends.reset_mongo_client()
    mongo_store.reset_indexes_marker()
    yield backends.mongo_db()
    backends.reset_mongo_client()


@pytest.fixture(params=["mysql", "mongo"])
def store(request, db):
    """Runs a test once per store."""
    if request.param == "mongo":
        request.getfixturevalue("mongo")
    return request.param


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("chief", password="s3cret-pass!", is_staff=True)


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("member", password="m3mber-pass!", is_staff=False)


@pytest.fixture
def api(db, staff):
    """Logged in as staff (CSRF checks off, as in Django's default test client)."""
    client = Client()
    client.force_login(staff)
    return ApiClient(client)


@pytest.fixture
def anon(db):
    return ApiClient(Client())
