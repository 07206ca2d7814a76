"""Who may write: JSON login/logout, staff only, CSRF on."""

import pytest
from django.test import Client

from api_client import ApiClient

pytestmark = pytest.mark.django_db


def test_reads_are_public(anon, api, store):
    org_id = api.new_org(store)
    assert anon.get(f"orgs/{store}").status_code == 200
    assert anon.get(f"orgs/{org_id}/{store}").status_code == 200
    assert anon.get(f"orgs/{org_id}/groups/{store}").status_code == 200
    assert anon.get(f"org-chart/{org_id}/{store}").status_code == 200


def test_anonymous_writes_are_401(anon, api, store):
    org_id = api.new_org(store)
    group_id = api.new_group(store, org_id)
    attempts = [
        anon.post(f"orgs/{store}", {"label": "x"}),
        anon.put(f"orgs/{org_id}/{store}", {"label": "x"}),
        anon.patch(f"orgs/{org_id}/{store}", {"label": "x"}),
        anon.delete(f"orgs/{org_id}/{store}"),
        anon.post(f"orgs/{org_id}/groups/{store}", {"label": "x"}),
        anon.put(f"orgs/{org_id}/groups/{group_id}/{store}", {"label": "x"}),
        anon.delete(f"orgs/{org_id}/groups/{group_id}/{store}"),
    ]
    for response in attempts:
        assert response.status_code == 401
        assert response.json()["detail"]
        assert "WWW-Authenticate" in response
    assert api.get(f"orgs/{org_id}/{store}").json()["org"]["label"] == "Org"
    assert len(api.get(f"orgs/{org_id}/groups/{store}").json()["groups"]) == 1


def test_non_staff_writes_are_403(member, api, store):
    org_id = api.new_org(store)
    client = Client()
    client.force_login(member)
    user = ApiClient(client)
    for response in (
        user.post(f"orgs/{store}", {"label": "x"}),
        user.put(f"orgs/{org_id}/{store}", {"label": "x"}),
        user.delete(f"orgs/{org_id}/{store}"),
        user.post(f"orgs/{org_id}/groups/{store}", {"label": "x"}),
    ):
        assert response.status_code == 403
        assert "staff" in response.json()["detail"]


def test_csrf_is_enforced_for_logged_in_writes(staff, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    api = ApiClient(client)
    response = api.post("orgs/mysql", {"label": "no token"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]

    token = api.get("manage/login").json()["csrftoken"]
    assert client.cookies["csrftoken"].value
    response = api.post("orgs/mysql", {"label": "with token"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    response = api.post("orgs/mysql", {"label": "wrong token"}, HTTP_X_CSRFTOKEN="x" * 64)
    assert response.status_code == 403


def csrf_client():
    client = Client(enforce_csrf_checks=True)
    api = ApiClient(client)
    token = api.get("manage/login").json()["csrftoken"]
    return api, token


def test_login_page_gives_a_csrf_token_and_says_who_is_logged_in(anon):
    response = anon.get("manage/login")
    assert response.status_code == 200
    body = response.json()
    assert body["csrftoken"] and body["user"] is None and body["is_staff"] is False
    assert "csrftoken" in response.cookies


def test_json_login_flow(staff, db):
    api, token = csrf_client()
    # Login needs the CSRF token too.
    response = api.post("manage/login", {"id": "chief", "password": "s3cret-pass!"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]

    response = api.post("manage/login", {"id": "chief", "password": "s3cret-pass!"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == "chief" and body["is_staff"] is True
    new_token = body["csrftoken"]
    assert api.get("manage/login").json()["user"] == "chief"

    response = api.post("orgs/mysql", {"label": "by API login"}, HTTP_X_CSRFTOKEN=new_token)
    assert response.status_code == 201

    response = api.post("manage/logout", {}, HTTP_X_CSRFTOKEN=new_token)
    assert response.status_code == 200
    assert api.get("manage/login").json()["user"] is None
    response = api.post("orgs/mysql", {"label": "after logout"}, HTTP_X_CSRFTOKEN=new_token)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body, status",
    [
        ({"id": "chief", "password": "wrong"}, 401),
        ({"id": "nobody", "password": "s3cret-pass!"}, 401),
        ({"id": "chief"}, 400),
        ({"password": "s3cret-pass!"}, 400),
        ({}, 400),
        ("{not json", 400),
        (["chief", "s3cret-pass!"], 400),
    ],
)
def test_bad_logins(staff, body, status):
    api, token = csrf_client()
    response = api.post("manage/login", body, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == status
    assert response.json()
    assert api.get("manage/login").json()["user"] is None


def test_non_staff_cannot_log_in_to_the_api(member):
    api, token = csrf_client()
    response = api.post("manage/login", {"id": "member", "password": "m3mber-pass!"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 403
    assert api.get("manage/login").json()["user"] is None


def test_inactive_staff_cannot_log_in(staff):
    staff.is_active = False
    staff.save()
    api, token = csrf_client()
    response = api.post("manage/login", {"id": "chief", "password": "s3cret-pass!"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 401


def test_logout_needs_csrf(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = ApiClient(client).post("manage/logout", {})
    assert response.status_code == 403
    assert ApiClient(client).get("manage/login").json()["user"] == "chief"
