"""One JSON client of the /services/ API for the unit tests (over Django's
test client) and the deployed tests (over requests): the same methods either
way, the CSRF token sent once it is known, and shortcuts that assert success.

    ApiClient(django.test.Client())          # tests/unit/services
    ApiClient("http://127.0.0.1")            # tests/services, a requests.Session

A relative path is under /services/; a body is sent as JSON (str or bytes as
they are). Keyword arguments go to the transport as they are: META keys such
as HTTP_X_CSRFTOKEN for Django's client, headers=... and the like for requests.
Responses are the transport's own; both have status_code, headers, content,
text and json().
"""

import json

TIMEOUT = 15


class ApiClient:
    def __init__(self, target):
        self.token = None
        if isinstance(target, str):
            import requests

            self.base, self.client, self.session = target.rstrip("/"), None, requests.Session()
            # Over HTTPS Django's CSRF check wants a same-origin Referer, as a browser sends.
            self.session.headers["Referer"] = self.base + "/"
        else:
            self.base, self.client, self.session = "", target, None

    def url(self, path):
        if path.startswith("http"):
            return path
        if path.startswith("/"):
            return self.base + path
        return f"{self.base}/services/{path}"

    def _send(self, method, path, data=None, *, csrf=True, body=True, **extra):
        token = self.token if csrf else None
        if self.session is not None:
            headers = {**({"X-CSRFToken": token} if token else {}), **extra.pop("headers", {})}
            if body:
                extra["data" if isinstance(data, (str, bytes)) else "json"] = data
            return self.session.request(method, self.url(path), headers=headers, timeout=TIMEOUT, **extra)
        if token:
            extra.setdefault("HTTP_X_CSRFTOKEN", token)
        send = getattr(self.client, method)
        if not body:
            return send(self.url(path), **extra)
        data = {} if data is None else data
        payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
        return send(self.url(path), payload, content_type="application/json", **extra)

    def get(self, path, **extra):
        return self._send("get", path, csrf=False, body=False, **extra)

    def post(self, path, data=None, csrf=True, **extra):
        return self._send("post", path, data, csrf=csrf, **extra)

    def put(self, path, data=None, csrf=True, **extra):
        return self._send("put", path, data, csrf=csrf, **extra)

    def patch(self, path, data=None, csrf=True, **extra):
        return self._send("patch", path, data, csrf=csrf, **extra)

    def delete(self, path, csrf=True, **extra):
        return self._send("delete", path, csrf=csrf, body=False, **extra)

    def upload(self, data, name="photo.png", csrf=True):
        """POST upload with one image file (multipart)."""
        if self.session is not None:
            files = {"file": (name, data, "image/png")}
            return self._send("post", "upload", csrf=csrf, body=False, files=files)
        from django.core.files.uploadedfile import SimpleUploadedFile

        extra = {"HTTP_X_CSRFTOKEN": self.token} if csrf and self.token else {}
        return self.client.post(self.url("upload"), {"file": SimpleUploadedFile(name, data, "image/png")}, **extra)

    # Session login, as a browser's script does it.
    def fetch_token(self):
        response = self.get("manage/login")
        assert response.status_code == 200, response.text
        self.token = response.json()["csrftoken"]
        return self.token

    def login(self, user, password):
        self.fetch_token()
        response = self.post("manage/login", {"id": user, "password": password})
        assert response.status_code == 200, response.text
        self.token = response.json()["csrftoken"]  # login rotates the token
        return response

    # Shortcuts that assert success.
    def new_org(self, store, **fields):
        response = self.post(f"orgs/{store}", {"label": "Org", **fields})
        assert response.status_code == 201, response.content
        return response.json()["org"]

    def new_group(self, store, org_id, **fields):
        response = self.post(f"orgs/{org_id}/groups/{store}", {"label": "Group", **fields})
        assert response.status_code == 201, response.content
        return response.json()["group"]

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

    def drain_notices(self, store, org_id, limit=200):
        self.notices(store, org_id, limit)
