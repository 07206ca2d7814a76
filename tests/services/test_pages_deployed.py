"""The services pages of the deployed site (Apache + mod_wsgi + the real services).

/healthz answers 200 with every configured service ok, the dashboard shows
each service's version, the management pages need a login (and work after
one), unknown orgs get a friendly 404, and the Korean catalogue is deployed;
other unknown pages get the site's own 404 page, in English and Korean.
"""

import html
import re
import time

import pytest
import requests

from deploylib import csrf_from

pytestmark = pytest.mark.deploy

SERVICE_KEYS = ["database", "redis", "mongo", "rabbitmq", "swift"]
TIMEOUT = 30


def all_configured_ok(response):
    services = response.json()["services"].values()
    return all(s["ok"] for s in services if s["configured"])


@pytest.fixture(scope="module")
def health(deployed_site):
    """/healthz once every configured service answers again.

    Each process reuses the non-database checks for 5 s, and the outage tests
    may just have restarted a service: allow a few of those periods, then
    hand the last answer to the assertions (which fail with the details).
    """
    deadline = time.monotonic() + TIMEOUT
    while True:
        response = requests.get(deployed_site.base_url + "/healthz", timeout=TIMEOUT)
        if response.status_code != 200 or all_configured_ok(response) or time.monotonic() > deadline:
            return response
        time.sleep(1)


def test_healthz_is_200_json_with_every_configured_service_ok(health):
    assert health.status_code == 200, health.text
    assert health.headers["Content-Type"].startswith("application/json")
    data = health.json()
    assert data["status"] == "ok"
    assert list(data["services"]) == SERVICE_KEYS
    assert data["services"]["database"]["ok"] is True
    configured = {key: s for key, s in data["services"].items() if s["configured"]}
    assert "database" in configured
    down = {key: s["detail"] for key, s in configured.items() if not s["ok"]}
    assert not down, f"configured services that are down: {down}"
    for key, service in configured.items():
        assert service["version"], f"{key} has no version"
        assert isinstance(service["latency_ms"], (int, float))
    assert data["overall"] == "ok"


def test_healthz_is_not_cached(health):
    cache_control = health.headers.get("Cache-Control", "")
    assert "no-cache" in cache_control or "max-age=0" in cache_control


def test_dashboard_shows_each_service_and_its_version(deployed_site, health):
    response = requests.get(deployed_site.base_url + "/services/", timeout=TIMEOUT)
    assert response.status_code == 200
    page = response.text
    for key, service in health.json()["services"].items():
        assert f'data-key="{key}"' in page
        assert html.escape(service["name"]) in page
        if service["configured"]:
            assert f'class="svc-card svc-up" data-key="{key}"' in page, f"{key} is not shown up"
            assert f'<dd data-field="version">{html.escape(service["version"])}</dd>' in page
        else:
            assert f'class="svc-card svc-off" data-key="{key}"' in page
    # The mod_wsgi runtime card: the deployment runs in daemon or embedded mode.
    mode = re.search(r'data-key="mode"><dt>[^<]+</dt><dd>(daemon|embedded)</dd>', page)
    assert mode, "no mod_wsgi mode on the dashboard"
    # The page's own static files are served (collected with hashed names).
    for asset in re.findall(r'(?:href|src)="(/static/services/[^"]+)"', page):
        assert requests.get(deployed_site.base_url + asset, timeout=TIMEOUT).status_code == 200, asset


def test_status_json(deployed_site):
    response = requests.get(deployed_site.base_url + "/services/status.json", timeout=TIMEOUT)
    assert response.status_code == 200
    data = response.json()
    assert [s["key"] for s in data["services"]] == SERVICE_KEYS
    assert data["runtime"]["mode"] in {"daemon", "embedded"}
    assert data["runtime"]["pid"] > 0


def test_manage_pages_require_login(deployed_site):
    response = requests.get(deployed_site.base_url + "/services/manage/", allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/services/login/?next=")
    login = requests.get(deployed_site.base_url + response.headers["Location"], timeout=TIMEOUT)
    assert login.status_code == 200
    assert 'name="password"' in login.text


def test_staff_login_opens_the_manage_pages(deployed_site, health):
    with requests.Session() as session:
        page = session.get(deployed_site.base_url + "/services/login/", timeout=TIMEOUT)
        token = csrf_from(page.text)
        response = session.post(
            deployed_site.base_url + "/services/login/",
            data={
                "username": deployed_site.admin_user,
                "password": deployed_site.admin_password,
                "csrfmiddlewaretoken": token,
                "next": "/services/manage/?store=mysql",
            },
            headers={"Referer": deployed_site.base_url + "/services/login/"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert response.status_code == 302, response.text[:500]
        assert response.headers["Location"] == "/services/manage/?store=mysql"
        manage = session.get(deployed_site.base_url + "/services/manage/?store=mysql", timeout=TIMEOUT)
        assert manage.status_code == 200
        assert 'id="svc-logout"' in manage.text
        assert "csrftoken" in session.cookies
        mongo = session.get(deployed_site.base_url + "/services/manage/?store=mongo", timeout=TIMEOUT)
        if health.json()["services"]["mongo"]["configured"]:
            assert mongo.status_code == 200
        else:  # said plainly, with the way back to the mysql store
            assert mongo.status_code == 503
            assert 'href="?store=mysql"' in mongo.text


def test_unknown_org_is_a_friendly_404(deployed_site):
    response = requests.get(deployed_site.base_url + "/services/main/987654321", timeout=TIMEOUT)
    assert response.status_code == 404
    assert "There is no organisation" in response.text
    assert "svc-problem" in response.text


def test_korean_interface_is_deployed(deployed_site):
    """The compiled catalogue (site/locale/ko/LC_MESSAGES/django.mo) is in the deployment."""
    headers = {"Accept-Language": "ko"}
    response = requests.get(deployed_site.base_url + "/services/", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200
    assert '<html lang="ko">' in response.text
    assert "서비스 상태" in response.text
    home = requests.get(deployed_site.base_url + "/", headers=headers, timeout=TIMEOUT)
    assert "투표와 서비스" in home.text


@pytest.mark.parametrize("language, title", [("en", "Page not found"), ("ko", "페이지를 찾을 수 없습니다")])
def test_404_page_in_the_site_look(deployed_site, language, title):
    response = requests.get(
        deployed_site.base_url + "/no-such-page/", headers={"Accept-Language": language}, timeout=TIMEOUT
    )
    assert response.status_code == 404
    assert 'class="site-header"' in response.text and title in response.text
    # The deployed site links its stylesheet under its hashed name.
    assert re.search(r'href="/static/css/site\.[0-9a-f]{12}\.css"', response.text), response.text[:600]
