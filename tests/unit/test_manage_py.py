"""`python manage.py test` and `manage.py runserver` on a fresh clone: run in
subprocesses from site/ with the test virtualenv's python and a clean
environment (no DJANGO_* variable, no env file, no service configured), as
Django's tutorial teaches. No collectstatic, no database set up beforehand.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from processes import stop

SITE = Path(__file__).resolve().parents[2] / "site"
APPS = ["polls", "books", "runtime", "services", "mysite"]
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env():
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    assert not any(k.startswith("DJANGO_") for k in env)
    return env


def manage(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=SITE,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("labels", [[], *[[app] for app in APPS]], ids=["all", *APPS])
def test_manage_py_test_passes_with_nothing_set(labels):
    result = manage("test", *labels, "--noinput")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    ran = re.search(r"^Ran (\d+) tests? in ", output, re.MULTILINE)
    assert ran, output[-4000:]
    assert int(ran.group(1)) > 0, f"manage.py test {' '.join(labels)} found no tests"
    assert re.search(r"^OK\b", output, re.MULTILINE), output[-4000:]
    assert "Traceback" not in output


def test_runserver_serves_the_home_page_with_nothing_set():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=SITE,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "runserver did not answer within 30 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert 'href="/static/css/site.css"' in response.text
    finally:
        stop(proc)  # by PID: the Popen started above
