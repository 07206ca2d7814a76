"""The services app's pages: dashboard, status.json, /healthz, org chart,
management pages, login, and the Korean interface.

No backing service is configured here (services/conftest.py empties their
settings), so the dashboard shows every service but the database as
"not configured". The org chart uses the "mysql" store (Django models on the
SQLite test database).
"""

import re

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from services.health import clear_cache as clear_health_cache
from services.models import Group, Org
from services.tree import build_tree

SERVICE_KEYS = ["database", "redis", "mongo", "rabbitmq", "swift"]


@pytest.fixture(autouse=True)
def _fresh_health_cache():
    """/healthz shares the slow checks for a few seconds; not between tests."""
    clear_health_cache()
    yield
    clear_health_cache()
    translation.activate("en-us")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("pages-staff", password="Pages-pass-1", is_staff=True)


@pytest.fixture
def staff_client(db, staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def plain_client(db, django_user_model):
    user = django_user_model.objects.create_user("pages-member", password="Pages-pass-2", is_staff=False)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def org_chart(db):
    """An org with a two-level tree (created through the mysql store's models)."""
    org = Org.objects.create(label="Acme Research", desc="Research and development.", url="https://acme.example/")
    eng = Group.objects.create(
        org=org,
        label="Engineering",
        desc="Builds things",
        thumb_img_path="/services/images/eng-thumb.png",
        thumb_img_name="eng.png",
    )
    platform = Group.objects.create(org=org, parent=eng, label="Platform", url="https://acme.example/platform")
    infra = Group.objects.create(org=org, parent=platform, label="Infrastructure")
    sales = Group.objects.create(org=org, label="Sales")
    return {"org": org, "eng": eng, "platform": platform, "infra": infra, "sales": sales}


@pytest.fixture
def broken_database():
    """Makes the default database unreachable for real: the connection object
    is swapped for one to a file in a directory that does not exist, so the
    next query fails with sqlite3's "unable to open database file"."""
    original = connections["default"]
    broken = original.__class__({**original.settings_dict, "NAME": "/nonexistent-polls-dir/nowhere.sqlite3"}, "default")
    connections["default"] = broken
    try:
        yield broken
    finally:
        try:
            broken.close()
        finally:
            connections["default"] = original


# --- Dashboard and status.json ---------------------------------------------


@pytest.mark.django_db
def test_dashboard_lists_every_service_with_not_configured(client):
    response = client.get("/services/")
    assert response.status_code == 200
    html = response.content.decode()
    for key in SERVICE_KEYS:
        assert f'data-key="{key}"' in html
    services = {s["key"]: s for s in response.context["services"]}
    assert list(services) == SERVICE_KEYS
    assert services["database"]["state"] == "up"
    for key in ["redis", "mongo", "rabbitmq", "swift"]:
        assert services[key]["state"] == "off"
        assert re.search(rf'class="svc-card svc-off" data-key="{key}"', html)
    # Shown plainly, once per unconfigured service (plus the summary's counter).
    assert html.count(">Not configured<") == 4
    for name in ["Redis", "MongoDB", "RabbitMQ", "Swift"]:
        assert f">{name}</h2>" in html
    assert "All configured services are up" in html


@pytest.mark.django_db
def test_dashboard_shows_runtime(client):
    html = client.get("/services/").content.decode()
    assert "mod_wsgi runtime" in html
    assert "not mod_wsgi" in html  # the test client is not mod_wsgi
    assert 'data-key="pid"' in html


@pytest.mark.django_db
def test_dashboard_shows_mod_wsgi_daemon_mode(client):
    html = client.get(
        "/services/", **{"mod_wsgi.process_group": "polls", "mod_wsgi.application_group": ""}
    ).content.decode()
    assert "Daemon mode" in html
    assert ">polls</dd>" in html


@pytest.mark.django_db
def test_status_json(client):
    response = client.get(reverse("services:status"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert [s["key"] for s in data["services"]] == SERVICE_KEYS
    for s in data["services"]:
        assert set(s) >= {"name", "key", "configured", "ok", "latency_ms", "version", "detail", "state", "state_label"}
    assert data["status"] == "ok"
    assert data["runtime"]["mode"] == "not mod_wsgi"
    assert any(row["key"] == "pid" for row in data["runtime_rows"])


@pytest.mark.django_db
def test_dashboard_down_service_is_shown_down(client, settings):
    """A configured service that does not answer is 'down' with its error."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.AMQP_URL = f"amqp://guest:guest@127.0.0.1:{port}/%2F"
    response = client.get("/services/")
    services = {s["key"]: s for s in response.context["services"]}
    assert services["rabbitmq"]["state"] == "down"
    assert services["rabbitmq"]["detail"]
    html = response.content.decode()
    assert 'class="svc-card svc-down" data-key="rabbitmq"' in html
    assert "Some services are down" in html


# --- /healthz ------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["status"] == "ok"
    assert list(data["services"]) == SERVICE_KEYS
    assert data["services"]["database"]["ok"] is True
    assert data["services"]["database"]["version"]
    assert data["services"]["redis"] == {
        **data["services"]["redis"],
        "configured": False,
        "ok": False,
    }


@pytest.mark.django_db
def test_healthz_503_when_database_fails(client, broken_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "fail"
    assert data["services"]["database"]["ok"] is False
    assert data["services"]["database"]["configured"] is True
    assert "OperationalError" in data["services"]["database"]["detail"]
    # The other services are still reported.
    assert list(data["services"]) == SERVICE_KEYS


@pytest.mark.django_db
def test_healthz_never_raises(client, monkeypatch):
    from services import health

    def boom():
        raise RuntimeError("health check exploded")

    monkeypatch.setattr(health, "check_database", boom)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"


# --- Org chart page -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("org_id", ["999999", "not-a-number"])
def test_org_chart_unknown_org_is_a_friendly_404(client, org_id):
    response = client.get(f"/services/main/{org_id}")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no organisation with the id" in html
    assert '<link rel="stylesheet"' in html  # a real page, not Django's bare 404
    assert "svc-problem" in html


def test_org_chart_renders_cards_and_tree(client, org_chart):
    org = org_chart["org"]
    response = client.get(f"/services/main/{org.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Acme Research</h1>" in html
    assert "Research and development." in html
    # Cards: every group, with its thumbnail or its initial.
    for key in ["eng", "platform", "infra", "sales"]:
        assert f'id="group-{org_chart[key].pk}"' in html
    assert '<img src="/services/images/eng-thumb.png"' in html
    assert 'href="https://acme.example/platform"' in html
    assert "4 groups" in html
    # Tree: Engineering > Platform > Infrastructure, and Sales at the top level.
    tree = response.context["tree"]
    assert [n["group"]["label"] for n in tree] == ["Engineering", "Sales"]
    assert [n["group"]["label"] for n in tree[0]["children"]] == ["Platform"]
    assert [n["group"]["label"] for n in tree[0]["children"][0]["children"]] == ["Infrastructure"]
    tree_html = html[html.index('id="svc-tree"') :]
    eng = tree_html.index(f'data-group-id="{org_chart["eng"].pk}"')
    platform = tree_html.index(f'data-group-id="{org_chart["platform"].pk}"')
    sales = tree_html.index(f'data-group-id="{org_chart["sales"].pk}"')
    assert eng < platform < sales
    # Platform's <li> is nested in a <ul> inside Engineering's <li>.
    assert tree_html[eng:platform].count("<ul>") == 1


def test_org_chart_store_query_and_unconfigured_mongo(client, org_chart):
    org = org_chart["org"]
    assert client.get(f"/services/main/{org.pk}?store=mysql").status_code == 200
    response = client.get(f"/services/main/{org.pk}?store=mongo")
    assert response.status_code == 503  # MONGO_URI unset here
    assert "Temporarily unavailable" in response.content.decode()


@pytest.mark.django_db
def test_org_chart_without_groups(client):
    org = Org.objects.create(label="Empty Org")
    response = client.get(f"/services/main/{org.pk}")
    assert response.status_code == 200
    assert "This organisation has no groups yet." in response.content.decode()


def test_build_tree_keeps_orphans_and_survives_cycles():
    groups = [
        {"id": "1", "parent_id": "", "label": "a"},
        {"id": "2", "parent_id": "1", "label": "b"},
        {"id": "3", "parent_id": "42", "label": "orphan"},
        {"id": "4", "parent_id": "5", "label": "cycle-a"},
        {"id": "5", "parent_id": "4", "label": "cycle-b"},
    ]
    tree = build_tree(groups)
    labels = [n["group"]["label"] for n in tree]
    assert labels[:2] == ["a", "orphan"]
    assert {"cycle-a", "cycle-b"} & set(labels)

    def count(nodes):
        return sum(1 + count(n["children"]) for n in nodes)

    assert count(tree) == 5


# --- Management pages -----------------------------------------------------------

MANAGE_PATHS = [
    "/services/manage/",
    "/services/manage/orgs/new/",
    "/services/manage/orgs/{org}/",
    "/services/manage/orgs/{org}/groups/",
    "/services/manage/orgs/{org}/groups/new/",
    "/services/manage/orgs/{org}/groups/{group}/",
]


@pytest.mark.parametrize("path", MANAGE_PATHS)
def test_manage_pages_redirect_anonymous_users_to_login(client, org_chart, path):
    path = path.format(org=org_chart["org"].pk, group=org_chart["eng"].pk)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("services:login") + "?next=")
    assert "/services/login/" == reverse("services:login")


@pytest.mark.parametrize("path", MANAGE_PATHS)
def test_manage_pages_render_for_staff(staff_client, org_chart, path):
    path = path.format(org=org_chart["org"].pk, group=org_chart["eng"].pk)
    response = staff_client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert 'id="svc-manage"' in html  # the texts and API base for manage.js
    assert "services/js/manage.js" in html
    assert "csrftoken" in response.cookies  # manage.js sends it as X-CSRFToken


def test_manage_pages_forbidden_for_non_staff(plain_client):
    assert plain_client.get("/services/manage/").status_code == 403


def test_manage_org_list_and_forms(staff_client, org_chart):
    org = org_chart["org"]
    html = staff_client.get("/services/manage/").content.decode()
    assert "Acme Research" in html
    assert f'data-svc-delete="orgs/{org.pk}/mysql"' in html
    assert "and all its groups? This cannot be undone." in html  # the confirmation
    html = staff_client.get(f"/services/manage/orgs/{org.pk}/").content.decode()
    assert 'value="Acme Research"' in html
    assert f'data-svc-form="orgs/{org.pk}/mysql"' in html and 'data-method="PUT"' in html
    html = staff_client.get("/services/manage/orgs/new/").content.decode()
    assert 'data-svc-form="orgs/mysql"' in html and 'data-method="POST"' in html
    assert 'maxlength="40"' in html


def test_manage_group_form_offers_only_valid_parents(staff_client, org_chart):
    org, eng = org_chart["org"], org_chart["eng"]
    response = staff_client.get(f"/services/manage/orgs/{org.pk}/groups/{eng.pk}/")
    parents = [g["label"] for g in response.context["parents"]]
    # Not itself, nor its descendants (Platform, Infrastructure).
    assert parents == ["Sales"]
    html = response.content.decode()
    assert 'data-svc-upload="upload"' in html
    assert 'value="/services/images/eng-thumb.png"' in html


def test_manage_unknown_org_is_404(staff_client, db):
    response = staff_client.get("/services/manage/orgs/424242/groups/")
    assert response.status_code == 404
    assert "There is no organisation" in response.content.decode()


def test_manage_groups_are_paged(staff_client, db):
    org = Org.objects.create(label="Big Org")
    for n in range(23):
        Group.objects.create(org=org, label=f"Team {n:02d}")
    page1 = staff_client.get(f"/services/manage/orgs/{org.pk}/groups/")
    assert len(page1.context["page"].object_list) == 10
    html = page1.content.decode()
    assert "1–10 of 23 groups" in html
    assert "page=2" in html
    page3 = staff_client.get(f"/services/manage/orgs/{org.pk}/groups/?page=3")
    assert [g["label"] for g in page3.context["page"].object_list] == ["Team 20", "Team 21", "Team 22"]
    # A page number out of range shows the last page, not an error.
    assert staff_client.get(f"/services/manage/orgs/{org.pk}/groups/?page=99").status_code == 200


def test_unconfigured_store_is_said_plainly(staff_client, org_chart):
    response = staff_client.get("/services/manage/?store=mongo")
    assert response.status_code == 503  # MONGO_URI unset here
    html = response.content.decode()
    assert "cannot answer right now" in html
    assert 'href="?store=mysql"' in html  # the way out


def test_store_choice_is_remembered_in_the_session(staff_client, org_chart, mongo):
    assert staff_client.get("/services/manage/").context["store"] == "mysql"
    response = staff_client.get("/services/manage/?store=mongo")
    assert response.status_code == 200
    assert staff_client.session["services_store"] == "mongo"
    assert staff_client.get("/services/manage/").context["store"] == "mongo"
    assert staff_client.get("/services/manage/?store=mysql").context["store"] == "mysql"
    assert staff_client.get("/services/manage/").context["store"] == "mysql"
    # An unknown store name is ignored.
    assert staff_client.get("/services/manage/?store=oracle").context["store"] == "mysql"


def test_manage_pages_work_with_the_mongo_store(staff_client, mongo):
    from services.stores import get_store

    store = get_store("mongo")
    org = store.create_org({"label": "Mongo Org", "desc": "", "url": ""})
    parent = store.create_group(org["id"], {"label": "Top", "parent_id": ""})
    store.create_group(org["id"], {"label": "Child", "parent_id": parent["id"]})
    html = staff_client.get("/services/manage/?store=mongo").content.decode()
    assert "Mongo Org" in html
    response = Client().get(f"/services/main/{org['id']}?store=mongo")
    assert response.status_code == 200
    assert [n["group"]["label"] for n in response.context["tree"]] == ["Top"]
    assert response.context["tree"][0]["children"][0]["group"]["label"] == "Child"


# --- Login / logout -------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_logs_in_and_returns_to_manage(client, staff_user):
    response = client.get("/services/login/?next=/services/manage/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    response = client.post(
        "/services/login/", {"username": "pages-staff", "password": "wrong", "next": "/services/manage/"}
    )
    assert response.status_code == 200
    assert "didn" in response.content.decode()
    response = client.post(
        "/services/login/", {"username": "pages-staff", "password": "Pages-pass-1", "next": "/services/manage/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/services/manage/"
    html = client.get("/services/manage/").content.decode()
    assert 'id="svc-logout"' in html
    response = client.post(reverse("services:logout"))
    assert response.status_code == 302
    assert client.get("/services/manage/").status_code == 302


@pytest.mark.django_db
def test_login_without_next_goes_to_manage(client, staff_user):
    response = client.post("/services/login/", {"username": "pages-staff", "password": "Pages-pass-1"})
    assert response.status_code == 302
    assert response["Location"] == "/services/manage/"


# --- Korean ---------------------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_in_korean_with_accept_language(client):
    response = client.get("/services/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "서비스 상태" in html  # "Service status"
    assert "설정되지 않음" in html  # "Not configured"
    assert "Service status" not in html


@pytest.mark.django_db
def test_status_json_labels_in_korean(client):
    data = client.get("/services/status.json", HTTP_ACCEPT_LANGUAGE="ko").json()
    labels = {s["key"]: s["state_label"] for s in data["services"]}
    assert labels["database"] == "정상"
    assert labels["redis"] == "설정되지 않음"


@pytest.mark.django_db
def test_language_switcher_sets_korean(client):
    html = client.get("/services/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'value="ko"' in html
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/services/"})
    assert response.status_code == 302
    html = client.get("/services/").content.decode()
    assert "서비스 상태" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, korean",
    [
        ("/", "투표와 서비스"),  # "Polls and services" (base.html, home.html)
        ("/polls/", "투표"),
        ("/services/login/", "로그인"),
    ],
)
def test_site_pages_in_korean(client, path, korean):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    assert korean in response.content.decode()


def test_org_chart_404_in_korean(client, db):
    response = client.get("/services/main/999999", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 404
    assert "찾을 수 없습니다" in response.content.decode()
