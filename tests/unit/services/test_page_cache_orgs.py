"""The org pages in the page cache (mysite/pagecache.py, "orgs" group): the
org list API and the org chart page cost no query when cached, and every
write (the API on either store, the admin, the ORM) shows on the next GET."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from services.models import Group, Org


def anonymous_get(client, url):
    """(response, queries run) of an anonymous GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response, len(queries)


def test_org_list_is_cached_for_anonymous_readers(anon, db):
    Org.objects.create(label="Acme")
    first, count = anonymous_get(anon.client, "/services/orgs/mysql")
    assert count > 0
    second, count = anonymous_get(anon.client, "/services/orgs/mysql")
    assert count == 0
    assert second.json() == first.json()
    assert second["Cache-Control"] == "no-store"  # browsers still keep nothing


def test_org_chart_page_is_cached_for_anonymous_readers(client, db):
    org = Org.objects.create(label="Acme")
    Group.objects.create(org=org, label="Engineering")
    url = reverse("services:org_chart_page", args=[org.pk])
    anonymous_get(client, url)
    client.cookies.clear()
    second, count = anonymous_get(client, url)
    assert count == 0
    html = second.content.decode()
    assert "Engineering" in html and 'name="csrfmiddlewaretoken"' in html  # the token is never cached


def test_api_writes_show_on_the_cached_pages(api, anon, store):
    org_id = api.new_org(store, label="Before")
    group_id = api.new_group(store, org_id, label="First group")
    page = reverse("services:org_chart_page", args=[org_id]) + f"?store={store}"
    assert "Before" in anon.get(f"orgs/{store}").content.decode()
    assert "First group" in anon.client.get(page).content.decode()
    assert api.patch(f"orgs/{org_id}/{store}", {"label": "After"}).status_code == 200
    assert api.patch(f"orgs/{org_id}/groups/{group_id}/{store}", {"label": "Renamed group"}).status_code == 200
    api.new_group(store, org_id, label="Second group")
    listing = anon.get(f"orgs/{store}").json()
    assert [o["label"] for o in listing["orgs"]] == ["After"]
    html = anon.client.get(page).content.decode()
    assert "After" in html and "Renamed group" in html and "Second group" in html
    assert api.delete(f"orgs/{org_id}/groups/{group_id}/{store}").status_code == 200
    assert "Renamed group" not in anon.client.get(page).content.decode()
    assert api.delete(f"orgs/{org_id}/{store}").status_code == 200
    assert anon.get(f"orgs/{store}").json()["orgs"] == []
    assert anon.client.get(page).status_code == 404


def test_a_failed_write_changes_nothing_and_bumps_nothing(api, anon, db):
    from django.core.cache import cache

    from mysite import pagecache

    api.new_org("mysql", label="Acme")
    anon.get("orgs/mysql")
    before = cache.get(pagecache.generation_key("orgs"))
    assert api.post("orgs/mysql", {"label": ""}).status_code == 400
    assert cache.get(pagecache.generation_key("orgs")) == before


def test_admin_save_shows_on_the_cached_org_pages(client, admin_client, db):
    org = Org.objects.create(label="Acme")
    group = Group.objects.create(org=org, label="Engineering")
    page = reverse("services:org_chart_page", args=[org.pk])
    client.get(page)
    client.get("/services/orgs/mysql")
    change = reverse("admin:services_group_change", args=[group.pk])
    response = admin_client.post(change, {"org": org.pk, "label": "Research", "desc": "", "url": ""})
    assert response.status_code == 302, response.context["errors"]
    assert "Research" in client.get(page).content.decode()
    response = admin_client.post(
        reverse("admin:services_org_change", args=[org.pk]),
        {
            "label": "Acme Corp",
            "desc": "",
            "url": "",
            "groups-TOTAL_FORMS": "0",
            "groups-INITIAL_FORMS": "0",
            "groups-MIN_NUM_FORMS": "0",
            "groups-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    assert [o["label"] for o in client.get("/services/orgs/mysql").json()["orgs"]] == ["Acme Corp"]
