"""Helpers of the services unit tests (a module of its own: `conftest` is an
ambiguous name to import when several test directories have one)."""

import json
import socket


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url(scheme, path=""):
    """A URL on a loopback port where nothing listens (a service that is down)."""
    return f"{scheme}://127.0.0.1:{free_port()}{path}"


class Api:
    """A Django test client that speaks JSON to /services/."""

    def __init__(self, client):
        self.client = client

    def url(self, path):
        return path if path.startswith("/") else f"/services/{path}"

    def get(self, path, **extra):
        return self.client.get(self.url(path), **extra)

    def _send(self, method, path, data, **extra):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return getattr(self.client, method)(self.url(path), body, content_type="application/json", **extra)

    def post(self, path, data=None, **extra):
        return self._send("post", path, {} if data is None else data, **extra)

    def put(self, path, data=None, **extra):
        return self._send("put", path, {} if data is None else data, **extra)

    def patch(self, path, data=None, **extra):
        return self._send("patch", path, {} if data is None else data, **extra)

    def delete(self, path, **extra):
        return self.client.delete(self.url(path), **extra)

    # Shortcuts that assert success.
    def new_org(self, store, **fields):
        response = self.post(f"orgs/{store}", {"label": "Org", **fields})
        assert response.status_code == 201, response.content
        return response.json()["org"]

    def new_group(self, store, org_id, **fields):
        response = self.post(f"orgs/{org_id}/groups/{store}", {"label": "Group", **fields})
        assert response.status_code == 201, response.content
        return response.json()["group"]
