"""The org chart API of the DEPLOYED site (Apache, MariaDB, nx-27017, Redis,
RabbitMQ, Swift), through HTTP like the original sample's clients."""

import uuid

import pytest

from api_client import ApiClient
from services_site import png_bytes

pytestmark = pytest.mark.deploy

STORES = ["mysql", "mongo"]


@pytest.fixture
def staff(deployed_site):
    client = ApiClient(deployed_site.base_url)
    client.login(deployed_site.admin_user, deployed_site.admin_password)
    return client


@pytest.fixture
def anon(deployed_site):
    return ApiClient(deployed_site.base_url)


@pytest.mark.parametrize("store", STORES)
def test_full_flow_with_change_notices_in_order(staff, anon, store):
    label = f"Flow {uuid.uuid4().hex[:8]}"
    response = staff.post(f"orgs/{store}", {"label": label, "desc": "d", "url": "https://flow.example/"})
    assert response.status_code == 201, response.text
    org_id = response.json()["org"]
    assert isinstance(org_id, str)
    staff.drain_notices(store, org_id)  # creating an org publishes nothing, but be sure

    assert org_id in [o["id"] for o in anon.get(f"orgs/{store}").json()["orgs"]]
    org = anon.get(f"orgs/{org_id}/{store}").json()["org"]
    assert org["label"] == label and org["url"] == "https://flow.example/"

    response = staff.put(f"orgs/{org_id}/{store}", {**org, "label": label + " v2"})
    assert response.status_code == 200, response.text
    top = staff.new_group(store, org_id, label="Board")
    child = staff.new_group(store, org_id, label="Engineering", parent_id=top)
    grandchild = staff.new_group(store, org_id, label="Platform", parent_id=child)
    response = staff.put(f"orgs/{org_id}/groups/{child}/{store}", {"label": "R&D", "parent_id": top})
    assert response.status_code == 200, response.text

    chart = anon.get(f"org-chart/{org_id}/{store}")
    assert chart.status_code == 200
    body = chart.json()
    assert body["org"]["label"] == label + " v2"
    by_id = {g["id"]: g for g in body["groups"]}
    assert by_id[top]["parent_id"] == "" and by_id[child]["parent_id"] == top
    assert by_id[grandchild]["parent_id"] == child and by_id[child]["label"] == "R&D"
    assert anon.get(f"org-chart/{org_id}/{store}").json() == body  # cached, same answer

    response = staff.delete(f"orgs/{org_id}/groups/{child}/{store}")
    assert response.status_code == 200
    assert response.json()["deleted"] == 2
    assert anon.get(f"orgs/{org_id}/groups/{grandchild}/{store}").status_code == 404
    assert [g["id"] for g in anon.get(f"org-chart/{org_id}/{store}").json()["groups"]] == [top]

    assert staff.notices(store, org_id) == [
        "ORG_UPDATED",
        "GROUP_ADDED",
        "GROUP_ADDED",
        "GROUP_ADDED",
        "GROUP_UPDATED",
        "GROUP_DELETED",
    ]

    response = staff.delete(f"orgs/{org_id}/{store}")
    assert response.status_code == 200
    assert anon.get(f"orgs/{org_id}/{store}").status_code == 404
    assert anon.get(f"orgs/{org_id}/groups/{top}/{store}").status_code == 404
    # The deleted org's last notice can still be read; then the org is simply unknown.
    assert anon.get(f"org-chart/{org_id}/status/{store}").json()["status"] == "ORG_DELETED"
    assert anon.get(f"org-chart/{org_id}/status/{store}").status_code == 404


@pytest.mark.parametrize("store", STORES)
def test_upload_and_fetch_back_then_use_on_a_group(staff, anon, store):
    data = png_bytes()
    response = staff.upload(data, name="../../../etc/passwd.png")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["thumb_img_path"].startswith("/services/images/")
    assert "passwd" not in body["thumb_img_name"]

    thumb = anon.get(body["thumb_img_path"])
    assert thumb.status_code == 200
    assert thumb.headers["Content-Type"] == "image/png"
    assert "max-age" in thumb.headers["Cache-Control"]
    assert thumb.content.startswith(b"\x89PNG")
    original = anon.get(body["img_path"])
    assert original.status_code == 200 and original.content == data

    org_id = staff.new_org(store)
    group_id = staff.new_group(
        store, org_id, thumb_img_path=body["thumb_img_path"], thumb_img_name=body["thumb_img_name"]
    )
    group = anon.get(f"orgs/{org_id}/groups/{group_id}/{store}").json()["group"]
    assert group["thumb_img_path"] == body["thumb_img_path"]
    staff.delete(f"orgs/{org_id}/{store}")


def test_upload_refusals(staff, anon):
    response = staff.upload(b"this is not an image", name="x.png")
    assert response.status_code == 400
    assert "file" in response.json()
    response = staff.upload(b"\0" * (3 * 1024 * 1024), name="big.png")
    assert response.status_code == 413
    assert response.json()["detail"]
    assert anon.upload(png_bytes()).status_code in (401, 403)
    assert anon.get("/services/images/0123456789abcdef0123456789abcdef.png").status_code == 404


@pytest.mark.parametrize("store", STORES)
def test_404s(anon, staff, store):
    bad_ids = ["999999999", "abc", "6b0290faf4878f641ef1fb0e", "zzz"]
    org_id = staff.new_org(store)
    try:
        for bad in bad_ids:
            for path in (
                f"orgs/{bad}/{store}",
                f"orgs/{bad}/groups/{store}",
                f"orgs/{org_id}/groups/{bad}/{store}",
                f"org-chart/{bad}/{store}",
            ):
                response = anon.get(path)
                assert response.status_code == 404, path
                assert response.json()["detail"]
            assert staff.put(f"orgs/{bad}/{store}", {"label": "x"}).status_code == 404
            assert staff.delete(f"orgs/{bad}/{store}").status_code == 404
    finally:
        staff.delete(f"orgs/{org_id}/{store}")
    assert anon.get("orgs/oracle").status_code == 404
    assert anon.get("orgs/oracle").json()["detail"]


@pytest.mark.parametrize("store", STORES)
def test_400s_per_field(staff, store):
    org_id = staff.new_org(store)
    other = staff.new_org(store)
    try:
        foreign = staff.new_group(store, other)
        top = staff.new_group(store, org_id)
        low = staff.new_group(store, org_id, parent_id=top)
        cases = [
            (f"orgs/{store}", {}, "label"),
            (f"orgs/{store}", {"label": "x" * 41}, "label"),
            (f"orgs/{store}", {"label": "ok", "url": "javascript:alert(1)"}, "url"),
            (f"orgs/{store}", {"label": "ok", "url": " JaVaScRiPt:alert(1)"}, "url"),
            (f"orgs/{store}", {"label": "ok", "url": "java\tscript:alert(1)"}, "url"),
            (f"orgs/{org_id}/groups/{store}", {"label": "g", "parent_id": foreign}, "parent_id"),
            (f"orgs/{org_id}/groups/{store}", {"label": "g", "parent_id": "nope"}, "parent_id"),
        ]
        for path, body, field in cases:
            response = staff.post(path, body)
            assert response.status_code == 400, (path, body)
            assert field in response.json() and response.json()[field][0]
        response = staff.put(f"orgs/{org_id}/groups/{top}/{store}", {"label": "t", "parent_id": low})
        assert response.status_code == 400 and "parent_id" in response.json()
        response = staff.session.post(
            staff.url(f"orgs/{store}"),
            data="{not json",
            timeout=15,
            headers={"X-CSRFToken": staff.token, "Content-Type": "application/json"},
        )
        assert response.status_code == 400 and response.json()["detail"]
    finally:
        staff.delete(f"orgs/{org_id}/{store}")
        staff.delete(f"orgs/{other}/{store}")


def test_trailing_slash_optional(staff, anon):
    org_id = staff.post("orgs/mysql/", {"label": "slash"}).json()["org"]
    assert anon.get(f"orgs/{org_id}/mysql/").status_code == 200
    assert anon.get(f"orgs/{org_id}/mysql").status_code == 200
    assert staff.delete(f"orgs/{org_id}/mysql/").status_code == 200


def test_auth_and_csrf_refusals(deployed_site, staff, anon):
    # Anonymous writes.
    response = anon.post("orgs/mysql", {"label": "anon"})
    assert response.status_code in (401, 403) and response.json()["detail"]
    # Logged in, but no CSRF token.
    response = staff.post("orgs/mysql", {"label": "no csrf"}, csrf=False)
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    # Login needs the CSRF token too, and the right password.
    fresh = ApiClient(deployed_site.base_url)
    response = fresh.post("manage/login", {"id": deployed_site.admin_user, "password": "x"}, csrf=False)
    assert response.status_code == 403
    fresh.fetch_token()
    response = fresh.post("manage/login", {"id": deployed_site.admin_user, "password": "wrong password"})
    assert response.status_code == 401 and response.json()["detail"]
    # Logout ends the session's right to write.
    assert staff.post("manage/logout", {}).status_code == 200
    assert staff.post("orgs/mysql", {"label": "after logout"}).status_code in (401, 403)
