"""The original Open PaaS sample's REST test (a mocha suite), step by step
with its own data, through tests/api_client.py's ApiClient: over Django's test
client in the unit tests (tests/unit/services), over requests against the
deployed site (tests/services).

The sample expected 200 everywhere; this API answers 201 to creates, as
docs/services-api.md says. Its last step deletes a group whose org is already
deleted (with its groups): a JSON 404 is the right answer.
"""

NOTICE_STATUSES = {"GROUP_ADDED", "GROUP_UPDATED", "GROUP_DELETED", "ORG_UPDATED", "ORG_DELETED", "NO_CHANGES"}


def sample_data(store):
    """The mocha suite's data, with the store's name where the sample had "mysql"."""
    return {
        "org": {
            "label": f"mocha {store} test org",
            "desc": f"mocha {store} test org desc",
            "url": f"mocha.{store}.test.org.home.orl",
        },
        "group": {
            "parent_id": "",
            "label": f"mocha {store} test org",
            "desc": f"mocha {store} test org desc",
            "thumb_img_name": f"mocha_{store}_test_thumb_name",
            "thumb_img_path": f"mocha/{store}/test/thumb/path",
            "url": f"mocha.{store}.test.org.home.orl",
        },
    }


class Flow:
    def __init__(self, client, store):
        self.client = client
        self.store = store
        self.data = sample_data(store)
        self.org_id = None
        self.group_id = None
        self.steps = []
        self.status = None

    def step(self, name, response, expected=200):
        body = response.content[:500] if hasattr(response, "content") else ""
        assert response.status_code == expected, f"{name} in {self.store}: {response.status_code} {body!r}"
        content_type = response.headers.get("Content-Type", "")
        assert "json" in content_type, f"{name} in {self.store}: Content-Type {content_type!r}"
        self.steps.append(name)
        return response.json()

    def run(self):
        c, s, org, group = self.client, self.store, self.data["org"], dict(self.data["group"])

        self.org_id = self.step("create org", c.post(f"orgs/{s}", org), 201)["org"]
        listed = self.step("index org", c.get(f"orgs/{s}"))["orgs"]
        assert self.org_id in [o["id"] for o in listed]
        shown = self.step("show org", c.get(f"orgs/{self.org_id}/{s}"))["org"]
        assert {k: shown[k] for k in org} == org
        updated = self.step("update org", c.put(f"orgs/{self.org_id}/{s}", org))["org"]
        assert {k: updated[k] for k in org} == org

        group["org_id"] = self.org_id  # as the sample does; ignored by the API
        self.group_id = self.step("create group", c.post(f"orgs/{self.org_id}/groups/{s}", group), 201)["group"]
        listed = self.step("index group", c.get(f"orgs/{self.org_id}/groups/{s}"))["groups"]
        assert [g["id"] for g in listed] == [self.group_id]
        shown = self.step("show group", c.get(f"orgs/{self.org_id}/groups/{self.group_id}/{s}"))["group"]
        assert {k: shown[k] for k in group} == group
        updated = self.step("update group", c.put(f"orgs/{self.org_id}/groups/{self.group_id}/{s}", group))["group"]
        assert {k: updated[k] for k in group} == group

        chart = self.step("org-chart", c.get(f"org-chart/{self.org_id}/{s}"))
        assert chart["org"]["id"] == self.org_id
        assert [g["id"] for g in chart["groups"]] == [self.group_id]
        self.status = self.step("status", c.get(f"org-chart/{self.org_id}/status/{s}"))
        assert self.status["status"] in NOTICE_STATUSES

        self.step("delete org", c.delete(f"orgs/{self.org_id}/{s}"))
        assert c.get(f"orgs/{self.org_id}/{s}").status_code == 404
        gone = self.step("delete group", c.delete(f"orgs/{self.org_id}/groups/{self.group_id}/{s}"), 404)
        assert gone["detail"]
        return self
