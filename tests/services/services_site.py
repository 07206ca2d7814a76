"""A JSON client of the deployed site's /services/ API, and helpers for the
outage tests (named uniquely: this directory is not a package)."""
import contextlib
import socket
import struct
import subprocess
import zlib

import requests

from deploylib import wait_until

TIMEOUT = 15


def png_bytes(width=64, height=48, rgb=(20, 120, 200)):
    """A valid PNG made by hand (no Pillow needed by the test runner)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class ServicesClient:
    """requests.Session speaking to /services/, with the CSRF token handled."""

    def __init__(self, base_url):
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        # Over HTTPS Django's CSRF check wants a same-origin Referer, as a browser sends.
        self.session.headers["Referer"] = self.base + "/"
        self.token = None

    def url(self, path):
        if path.startswith("http"):
            return path
        if path.startswith("/"):
            return self.base + path
        return f"{self.base}/services/{path}"

    def fetch_token(self):
        response = self.session.get(self.url("manage/login"), timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        self.token = response.json()["csrftoken"]
        return self.token

    def login(self, user, password):
        self.fetch_token()
        response = self.post("manage/login", {"id": user, "password": password})
        assert response.status_code == 200, response.text
        self.token = response.json()["csrftoken"]  # login rotates the token
        return response

    def headers(self, csrf=True):
        return {"X-CSRFToken": self.token} if csrf and self.token else {}

    def get(self, path, **kwargs):
        return self.session.get(self.url(path), timeout=TIMEOUT, **kwargs)

    def post(self, path, data=None, csrf=True, **kwargs):
        return self.session.post(self.url(path), json=data, headers=self.headers(csrf), timeout=TIMEOUT, **kwargs)

    def put(self, path, data=None, csrf=True):
        return self.session.put(self.url(path), json=data, headers=self.headers(csrf), timeout=TIMEOUT)

    def delete(self, path, csrf=True):
        return self.session.delete(self.url(path), headers=self.headers(csrf), timeout=TIMEOUT)

    def upload(self, data, name="photo.png", csrf=True):
        return self.session.post(
            self.url("upload"), files={"file": (name, data, "image/png")},
            headers=self.headers(csrf), timeout=TIMEOUT,
        )

    # Shortcuts that assert success.
    def new_org(self, store, **fields):
        response = self.post(f"orgs/{store}", {"label": "Org", **fields})
        assert response.status_code == 201, response.text
        return response.json()["org"]

    def new_group(self, store, org_id, **fields):
        response = self.post(f"orgs/{org_id}/groups/{store}", {"label": "Group", **fields})
        assert response.status_code == 201, response.text
        return response.json()["group"]

    def drain_notices(self, store, org_id, limit=200):
        for _ in range(limit):
            response = self.get(f"org-chart/{org_id}/status/{store}")
            assert response.status_code == 200, response.text
            if response.json()["status"] == "NO_CHANGES":
                return
        raise AssertionError("the notice queue does not drain")

    def notices(self, store, org_id, limit=50):
        """Consume notices until NO_CHANGES; their statuses in order."""
        statuses = []
        for _ in range(limit):
            response = self.get(f"org-chart/{org_id}/status/{store}")
            assert response.status_code == 200, response.text
            status = response.json()["status"]
            if status == "NO_CHANGES":
                return statuses
            statuses.append(status)
        raise AssertionError(f"more than {limit} notices: {statuses}")


def service(name, action):
    result = subprocess.run(["service", name, action], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"service {name} {action}: {result.stdout}{result.stderr}"


def port_open(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def stopped(name, port=None):
    """Stop an init-script service for the block; always start it again."""
    service(name, "stop")
    if port:
        wait_until(lambda: not port_open(port), timeout=30, what=f"{name} to stop")
    try:
        yield
    finally:
        service(name, "start")
        if port:
            wait_until(lambda: port_open(port), timeout=90, what=f"{name} to listen again")
