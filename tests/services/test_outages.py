"""Outages of the backing services on the DEPLOYED site, and recovery without
restarting Apache. Each test stops one service with its init script and
always starts it again (try/finally in services_site.stopped)."""

import uuid

import pytest
import requests

from api_client import ApiClient
from deploylib import apache_pid, wait_until
from services_site import png_bytes, port_open, stopped

pytestmark = pytest.mark.deploy

PAGES = ["/", "/polls/", "/services/"]


@pytest.fixture
def staff(deployed_site):
    client = ApiClient(deployed_site.base_url)
    client.login(deployed_site.admin_user, deployed_site.admin_password)
    return client


def get(base_url, path):
    return requests.get(base_url + path, timeout=20)


def test_redis_down_pages_and_sessions_still_work(deployed_site, staff):
    base = deployed_site.base_url
    pid_before = apache_pid()
    org_id = staff.new_org("mysql", label="redis outage")
    with stopped("redis-server", port=6379):
        for path in PAGES:
            assert get(base, path).status_code == 200, path
        # Still logged in (sessions are cached_db: the rows are in MariaDB).
        assert staff.get("manage/login").json()["user"] == deployed_site.admin_user
        response = staff.post(f"orgs/{org_id}/groups/mysql", {"label": "during redis outage"})
        assert response.status_code == 201, response.text
        chart = staff.get(f"org-chart/{org_id}/mysql")
        assert chart.status_code == 200
        assert [g["label"] for g in chart.json()["groups"]] == ["during redis outage"]
        # A new login works too.
        other = ApiClient(base)
        other.login(deployed_site.admin_user, deployed_site.admin_password)
        assert other.get("manage/login").json()["user"] == deployed_site.admin_user

    # Recovered, without an Apache restart: the chart is cached again, and it is fresh.
    def cached():
        staff.get(f"org-chart/{org_id}/mysql")
        return staff.get(f"org-chart/{org_id}/mysql").headers.get("X-Cache") == "hit"

    wait_until(cached, timeout=30, what="the org chart to be cached in Redis again")
    staff.put(f"orgs/{org_id}/mysql", {"label": "after redis outage"})
    assert staff.get(f"org-chart/{org_id}/mysql").json()["org"]["label"] == "after redis outage"
    assert staff.get("manage/login").json()["user"] == deployed_site.admin_user
    for path in PAGES:
        assert get(base, path).status_code == 200, path
    assert apache_pid() == pid_before
    staff.delete(f"orgs/{org_id}/mysql")


@pytest.mark.parametrize("store", ["mysql", "mongo"])
def test_rabbitmq_down_writes_still_work_then_notices_resume(deployed_site, staff, store):
    pid_before = apache_pid()
    org_id = staff.new_org(store, label="rabbit outage")
    staff.drain_notices(store, org_id)
    with stopped("rabbitmq-server", port=5672):
        response = staff.post(f"orgs/{org_id}/groups/{store}", {"label": "during rabbit outage"})
        assert response.status_code == 201, response.text
        group_id = response.json()["group"]
        response = staff.put(f"orgs/{org_id}/{store}", {"label": "renamed during outage"})
        assert response.status_code == 200, response.text
        # The data is there.
        group = staff.get(f"orgs/{org_id}/groups/{group_id}/{store}")
        assert group.status_code == 200 and group.json()["group"]["label"] == "during rabbit outage"
        assert staff.get(f"orgs/{org_id}/{store}").json()["org"]["label"] == "renamed during outage"
        # The status endpoint says why it cannot answer.
        status = staff.get(f"org-chart/{org_id}/status/{store}")
        assert status.status_code == 503 and status.json()["detail"]

    # Back: a new change publishes a notice that arrives (RabbitMQ needs a few
    # seconds after it listens; notices of writes made before it was ready are lost).
    def notice_arrives():
        staff.drain_notices(store, org_id)
        staff.put(f"orgs/{org_id}/groups/{group_id}/{store}", {"label": f"after {uuid.uuid4().hex[:6]}"})
        response = staff.get(f"org-chart/{org_id}/status/{store}")
        return response.status_code == 200 and response.json()["status"] == "GROUP_UPDATED"

    wait_until(notice_arrives, timeout=90, interval=2, what="a change notice after RabbitMQ restarted")
    assert apache_pid() == pid_before
    staff.delete(f"orgs/{org_id}/{store}")


def test_swift_down_uploads_503_rest_of_site_fine(deployed_site, staff):
    base = deployed_site.base_url
    pid_before = apache_pid()
    before = staff.upload(png_bytes())
    assert before.status_code == 201, before.text
    image_path = before.json()["thumb_img_path"]

    with stopped("swift-proxy", port=8080):
        response = staff.upload(png_bytes())
        assert response.status_code == 503
        assert "Swift" in response.json()["detail"]
        response = staff.get(image_path)
        assert response.status_code == 503
        assert response.json()["detail"]
        for store in ("mysql", "mongo"):
            assert staff.get(f"orgs/{store}").status_code == 200
        for path in PAGES:
            assert get(base, path).status_code == 200, path

    def upload_works():
        return staff.upload(png_bytes(rgb=(1, 2, 3))).status_code == 201

    wait_until(upload_works, timeout=90, interval=2, what="uploads to work after the Swift proxy restarted")
    response = staff.upload(png_bytes(rgb=(9, 9, 9)))
    assert response.status_code == 201
    fetched = staff.get(response.json()["thumb_img_path"])
    assert fetched.status_code == 200 and fetched.content.startswith(b"\x89PNG")
    assert staff.get(image_path).status_code == 200
    assert port_open(8080)
    assert apache_pid() == pid_before
