"""The org chart REST API, run for both stores ("mysql" on SQLite, "mongo" on nx-27017)."""

import datetime
import json

import pytest
from django.test import Client

from services.api.charts import chart_cache_key

pytestmark = pytest.mark.django_db


def iso(value):
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- organisations -----------------------------------------------------------


def test_org_create_list_get_update_delete(api, store):
    assert api.get(f"orgs/{store}").json() == {"orgs": []}

    response = api.post(f"orgs/{store}", {"label": "Acme", "desc": "Widgets", "url": "https://acme.example/"})
    assert response.status_code == 201
    org_id = response.json()["org"]
    assert isinstance(org_id, str)

    orgs = api.get(f"orgs/{store}").json()["orgs"]
    assert [o["id"] for o in orgs] == [org_id]

    org = api.get(f"orgs/{org_id}/{store}").json()["org"]
    assert set(org) == {"id", "label", "desc", "url", "created", "modified"}
    assert (org["label"], org["desc"], org["url"]) == ("Acme", "Widgets", "https://acme.example/")
    assert iso(org["created"]).tzinfo is not None and iso(org["modified"]) >= iso(org["created"])

    # The original clients send the whole object back; id/created/modified are ignored.
    response = api.put(f"orgs/{org_id}/{store}", {**org, "label": "Acme Corp", "id": "nonsense"})
    assert response.status_code == 200
    updated = response.json()["org"]
    assert updated["label"] == "Acme Corp" and updated["id"] == org_id
    assert updated["created"] == org["created"]
    assert api.get(f"orgs/{org_id}/{store}").json()["org"]["label"] == "Acme Corp"

    response = api.delete(f"orgs/{org_id}/{store}")
    assert response.status_code == 200
    assert response.json()["org"] == org_id
    assert api.get(f"orgs/{org_id}/{store}").status_code == 404
    assert api.get(f"orgs/{store}").json() == {"orgs": []}


def test_put_requires_label_and_keeps_omitted_fields_patch_is_partial(api, store):
    org_id = api.new_org(store, label="Acme", desc="Widgets", url="http://acme.example")
    response = api.put(f"orgs/{org_id}/{store}", {"desc": "no label"})
    assert response.status_code == 400
    assert "label" in response.json()

    response = api.put(f"orgs/{org_id}/{store}", {"label": "Acme 2"})
    assert response.status_code == 200
    org = response.json()["org"]
    assert (org["label"], org["desc"], org["url"]) == ("Acme 2", "Widgets", "http://acme.example")

    response = api.patch(f"orgs/{org_id}/{store}", {"desc": "Gadgets"})
    assert response.status_code == 200
    assert response.json()["org"]["label"] == "Acme 2"
    assert response.json()["org"]["desc"] == "Gadgets"


def test_trailing_slash_is_optional(api, store):
    org_id = api.post(f"orgs/{store}/", {"label": "Slash"}).json()["org"]
    assert api.get(f"orgs/{store}/").status_code == 200
    assert api.get(f"orgs/{org_id}/{store}/").json()["org"]["label"] == "Slash"
    group_id = api.post(f"orgs/{org_id}/groups/{store}/", {"label": "G"}).json()["group"]
    assert api.get(f"orgs/{org_id}/groups/{store}/").json()["groups"][0]["id"] == group_id
    assert api.get(f"orgs/{org_id}/groups/{group_id}/{store}/").status_code == 200
    assert api.get(f"org-chart/{org_id}/{store}/").status_code == 200
    assert api.get(f"org-chart/{org_id}/status/{store}/").status_code == 200
    assert api.put(f"orgs/{org_id}/{store}/", {"label": "Slash 2"}).status_code == 200
    assert api.delete(f"orgs/{org_id}/{store}/").status_code == 200


# --- groups ------------------------------------------------------------------


def test_groups_with_parents(api, store):
    org_id = api.new_org(store)
    top = api.new_group(store, org_id, label="Board")
    child = api.new_group(store, org_id, label="Engineering", parent_id=top, url="https://eng.example")

    groups = api.get(f"orgs/{org_id}/groups/{store}").json()["groups"]
    assert [g["id"] for g in groups] == [top, child]
    by_id = {g["id"]: g for g in groups}
    assert by_id[top]["parent_id"] == ""
    assert by_id[child]["parent_id"] == top
    assert set(by_id[child]) == {
        "id",
        "org_id",
        "parent_id",
        "label",
        "desc",
        "url",
        "thumb_img_path",
        "thumb_img_name",
        "created",
        "modified",
    }
    assert by_id[child]["org_id"] == org_id

    group = api.get(f"orgs/{org_id}/groups/{child}/{store}").json()["group"]
    assert group["label"] == "Engineering"

    # Full-object PUT, moving the group to the top level.
    response = api.put(f"orgs/{org_id}/groups/{child}/{store}", {**group, "label": "R&D", "parent_id": ""})
    assert response.status_code == 200
    assert response.json()["group"]["parent_id"] == ""
    assert response.json()["group"]["label"] == "R&D"
    # Omitted parent_id leaves the parent as it is.
    api.put(f"orgs/{org_id}/groups/{child}/{store}", {"label": "R&D", "parent_id": top})
    response = api.put(f"orgs/{org_id}/groups/{child}/{store}", {"label": "R&D 2"})
    assert response.json()["group"]["parent_id"] == top


def test_delete_group_deletes_descendants_only(api, store):
    org_id = api.new_org(store)
    root = api.new_group(store, org_id, label="root")
    a = api.new_group(store, org_id, label="a", parent_id=root)
    a1 = api.new_group(store, org_id, label="a1", parent_id=a)
    a1x = api.new_group(store, org_id, label="a1x", parent_id=a1)
    b = api.new_group(store, org_id, label="b", parent_id=root)

    response = api.delete(f"orgs/{org_id}/groups/{a}/{store}")
    assert response.status_code == 200
    assert response.json()["deleted"] == 3
    remaining = {g["id"] for g in api.get(f"orgs/{org_id}/groups/{store}").json()["groups"]}
    assert remaining == {root, b}
    for gone in (a, a1, a1x):
        assert api.get(f"orgs/{org_id}/groups/{gone}/{store}").status_code == 404
    assert api.delete(f"orgs/{org_id}/groups/{a}/{store}").status_code == 404


def test_delete_org_deletes_its_groups_only(api, store):
    org_id = api.new_org(store, label="doomed")
    other = api.new_org(store, label="kept")
    g1 = api.new_group(store, org_id)
    api.new_group(store, org_id, parent_id=g1)
    kept = api.new_group(store, other)

    assert api.delete(f"orgs/{org_id}/{store}").status_code == 200
    assert api.get(f"orgs/{org_id}/groups/{store}").status_code == 404
    assert api.get(f"orgs/{org_id}/groups/{g1}/{store}").status_code == 404
    assert [g["id"] for g in api.get(f"orgs/{other}/groups/{store}").json()["groups"]] == [kept]
    if store == "mysql":
        from services.models import Group

        assert Group.objects.count() == 1
    else:
        from services.backends import mongo_db

        assert mongo_db().groups.count_documents({}) == 1


def test_group_of_another_org_is_404(api, store):
    org_a, org_b = api.new_org(store), api.new_org(store)
    group = api.new_group(store, org_a)
    assert api.get(f"orgs/{org_b}/groups/{group}/{store}").status_code == 404
    assert api.put(f"orgs/{org_b}/groups/{group}/{store}", {"label": "x"}).status_code == 404
    assert api.delete(f"orgs/{org_b}/groups/{group}/{store}").status_code == 404
    assert api.get(f"orgs/{org_a}/groups/{group}/{store}").status_code == 200


# --- org chart ---------------------------------------------------------------


def test_org_chart_is_cached_and_invalidated_on_every_change(api, store):
    from django.core.cache import cache

    org_id = api.new_org(store, label="Chart")
    top = api.new_group(store, org_id, label="top")

    first = api.get(f"org-chart/{org_id}/{store}")
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    body = first.json()
    assert body["org"]["label"] == "Chart"
    assert [g["label"] for g in body["groups"]] == ["top"]
    second = api.get(f"org-chart/{org_id}/{store}")
    assert second["X-Cache"] == "hit" and second.json() == body

    changes = [
        lambda: api.new_group(store, org_id, label="child", parent_id=top),
        lambda: api.put(f"orgs/{org_id}/groups/{top}/{store}", {"label": "top 2"}),
        lambda: api.put(f"orgs/{org_id}/{store}", {"label": "Chart 2"}),
    ]
    for change in changes:
        change()
        response = api.get(f"org-chart/{org_id}/{store}")
        assert response["X-Cache"] == "miss"
    body = response.json()
    assert body["org"]["label"] == "Chart 2"
    assert sorted(g["label"] for g in body["groups"]) == ["child", "top 2"]

    api.delete(f"orgs/{org_id}/groups/{top}/{store}")
    response = api.get(f"org-chart/{org_id}/{store}")
    assert response["X-Cache"] == "miss" and response.json()["groups"] == []

    # The cache holds the chart under the org's current revision.
    assert any(k for k in [chart_cache_key(store, org_id, rev) for rev in range(10)] if cache.get(k))

    api.delete(f"orgs/{org_id}/{store}")
    assert api.get(f"org-chart/{org_id}/{store}").status_code == 404


# --- 404s --------------------------------------------------------------------


def test_unknown_store_is_404(api, anon):
    for path in (
        "orgs/oracle",
        "orgs/1/oracle",
        "orgs/1/groups/oracle",
        "orgs/1/groups/2/oracle",
        "org-chart/1/oracle",
        "org-chart/1/status/oracle",
    ):
        response = anon.get(path)
        assert response.status_code == 404, path
        assert "unknown store" in response.json()["detail"]
    assert api.post("orgs/oracle", {"label": "x"}).status_code == 404


@pytest.mark.parametrize(
    "bad_id", ["999999", "abc", "12ab", "0", "-1", "6b0290faf4878f641ef1fb0e", "6b0290faf4878f641ef1fb0z", "9" * 30]
)
def test_unknown_and_malformed_ids_are_404(api, store, bad_id):
    org_id = api.new_org(store)
    checks = [
        ("get", f"orgs/{bad_id}/{store}"),
        ("put", f"orgs/{bad_id}/{store}"),
        ("delete", f"orgs/{bad_id}/{store}"),
        ("get", f"orgs/{bad_id}/groups/{store}"),
        ("post", f"orgs/{bad_id}/groups/{store}"),
        ("get", f"orgs/{org_id}/groups/{bad_id}/{store}"),
        ("put", f"orgs/{org_id}/groups/{bad_id}/{store}"),
        ("delete", f"orgs/{org_id}/groups/{bad_id}/{store}"),
        ("get", f"org-chart/{bad_id}/{store}"),
        ("get", f"org-chart/{bad_id}/status/{store}"),
    ]
    for method, path in checks:
        if method in ("put", "post"):
            response = getattr(api, method)(path, {"label": "valid"})
        else:
            response = getattr(api, method)(path)
        assert response.status_code == 404, (method, path, response.content)
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]


def test_other_paths_under_the_api_are_json_404(anon):
    response = anon.get("orgs/1/2/3/4/5/mysql")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- 400s --------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "label"),
        ({"label": ""}, "label"),
        ({"label": "   "}, "label"),
        ({"label": "x" * 41}, "label"),
        ({"label": "ok", "url": "javascript:alert(1)"}, "url"),
        ({"label": "ok", "url": "data:text/html,<script>alert(1)</script>"}, "url"),
        ({"label": "ok", "url": "https://example.org/" + "x" * 481}, "url"),
        ({"label": None}, "label"),
    ],
)
def test_invalid_org_fields_are_400_per_field(api, store, body, field):
    response = api.post(f"orgs/{store}", body)
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert isinstance(errors[field], list) and errors[field][0]


def test_label_of_exactly_40_characters_is_fine(api, store):
    assert api.post(f"orgs/{store}", {"label": "x" * 40}).status_code == 201


def test_several_invalid_fields_each_get_a_message(api, store):
    org_id = api.new_org(store)
    response = api.post(f"orgs/{org_id}/groups/{store}", {"label": "x" * 41, "url": "vbscript:msgbox"})
    assert response.status_code == 400
    assert set(response.json()) == {"label", "url"}
    response = api.put(f"orgs/{org_id}/{store}", {"url": "javascript:void(0)"})
    assert set(response.json()) == {"label", "url"}


@pytest.mark.parametrize("raw", ["{bad json", '["a", "list"]', '"text"', "", "null"])
def test_malformed_or_non_object_json_is_400(api, store, raw):
    response = api.post(f"orgs/{store}", raw)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()


def test_invalid_parents_are_400(api, store):
    org_a, org_b = api.new_org(store), api.new_org(store)
    foreign = api.new_group(store, org_b)
    top = api.new_group(store, org_a, label="top")
    mid = api.new_group(store, org_a, label="mid", parent_id=top)
    low = api.new_group(store, org_a, label="low", parent_id=mid)
    unknown = "999999" if store == "mysql" else "6b0290faf4878f641ef1fb0e"

    cases = [
        ("post", f"orgs/{org_a}/groups/{store}", foreign, "another organisation"),
        ("post", f"orgs/{org_a}/groups/{store}", unknown, "unknown parent"),
        ("post", f"orgs/{org_a}/groups/{store}", "not-an-id", "unknown parent"),
        ("put", f"orgs/{org_a}/groups/{top}/{store}", top, "own ancestor"),
        ("put", f"orgs/{org_a}/groups/{top}/{store}", low, "own ancestor"),
        ("put", f"orgs/{org_a}/groups/{mid}/{store}", low, "own ancestor"),
        ("put", f"orgs/{org_a}/groups/{top}/{store}", foreign, "another organisation"),
    ]
    for method, path, parent, message in cases:
        response = getattr(api, method)(path, {"label": "g", "parent_id": parent})
        assert response.status_code == 400, (path, parent)
        assert list(response.json()) == ["parent_id"]
        assert message in response.json()["parent_id"][0]
    # Nothing changed.
    assert api.get(f"orgs/{org_a}/groups/{top}/{store}").json()["group"]["parent_id"] == ""
    # A legal move still works: low goes under top.
    assert api.put(f"orgs/{org_a}/groups/{low}/{store}", {"label": "low", "parent_id": top}).status_code == 200


def test_thumb_img_path_is_any_safe_url_reference(api, store):
    org_id = api.new_org(store)
    for ok in (
        "/services/images/0123456789abcdef0123456789abcdef-thumb.png",
        "https://cdn.example/x.png",
        "mocha/mysql/test/thumb/path",
        "../x.png",
    ):
        response = api.post(
            f"orgs/{org_id}/groups/{store}", {"label": "g", "thumb_img_path": ok, "thumb_img_name": "x.png"}
        )
        assert response.status_code == 201, (ok, response.content)
    for bad in ("javascript:alert(1)", "data:image/png;base64,AAAA", "/x\n.png", "x" * 501):
        response = api.post(f"orgs/{org_id}/groups/{store}", {"label": "g", "thumb_img_path": bad})
        assert response.status_code == 400, bad
        assert list(response.json()) == ["thumb_img_path"]


# --- errors are JSON, never tracebacks -------------------------------------


def test_unexpected_error_is_a_json_500(api, monkeypatch):
    from services.stores.sql import SqlStore

    def boom(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(SqlStore, "list_orgs", boom)
    client = Client(raise_request_exception=False)
    response = client.get("/services/orgs/mysql")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}


def test_api_answers_are_not_cached_by_browsers(anon, db):
    response = anon.get("orgs/mysql")
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {"orgs": []}
