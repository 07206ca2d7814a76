"""The home page (the book's chapter 5.2) and the shared layout."""

import pytest
from django.urls import reverse

from mysite.views import project_apps

pytestmark = pytest.mark.django_db


def test_project_apps_excludes_django_and_drf():
    names = [app["name"] for app in project_apps()]
    assert "polls" in names and "books" in names and "runtime" in names
    assert not [n for n in names if n.startswith("django.")]
    assert "rest_framework" not in names


def test_project_apps_link_to_their_index():
    urls = {app["name"]: app["url"] for app in project_apps()}
    assert urls["polls"] == reverse("polls:index")
    assert urls["books"] == reverse("books:index")
    assert urls["runtime"] == reverse("runtime:page")


def test_home_page_lists_apps_with_links(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("polls:index")}"' in html
    assert f'href="{reverse("books:index")}"' in html
    assert "Polls" in html and "Books" in html
    assert "django.contrib.admin" not in html


def test_home_links_runtime_and_services(client):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("runtime:page")}"' in html
    assert 'href="/services/"' in html


def test_base_nav_and_stylesheet(client):
    html = client.get(reverse("home")).content.decode()
    for href in ("/", "/polls/", "/books/", "/services/", "/runtime/", "/admin/"):
        assert f'href="{href}"' in html
    assert "/static/css/site.css" in html
    assert 'name="viewport"' in html


def test_links_follow_script_prefix(client):
    """Under a sub-path (Apache's WSGIScriptAlias /site) the links keep the prefix."""
    from django.urls import get_script_prefix, set_script_prefix

    # WSGIHandler sets the prefix from SCRIPT_NAME; the test client does not.
    saved = get_script_prefix()
    set_script_prefix("/site/")
    try:
        html = client.get("/").content.decode()
    finally:
        set_script_prefix(saved)
    assert 'href="/site/services/"' in html
    assert 'href="/site/polls/"' in html


def test_site_stylesheet_is_served_by_finders():
    from django.contrib.staticfiles import finders

    path = finders.find("css/site.css")
    assert path and "@media" in open(path).read()
    assert finders.find("polls/style.css")
    assert finders.find("polls/images/background.png")


def test_app_without_urls_has_no_link():
    from types import SimpleNamespace

    from mysite.views import app_index_url

    assert app_index_url(SimpleNamespace(label="nope")) is None


def test_app_link_falls_back_to_the_root_of_its_namespace(monkeypatch):
    """An app whose entry page has another URL name is still linked (e.g. /services/)."""
    from types import SimpleNamespace

    import mysite.views

    monkeypatch.setattr(mysite.views, "INDEX_URL_NAMES", ())
    assert mysite.views.app_index_url(SimpleNamespace(label="polls")) == "/polls/"
    # runtime's root answers too; a namespace whose root does not would give None.
    assert mysite.views.app_index_url(SimpleNamespace(label="runtime")) == "/runtime/"


def test_home_builds_its_app_list_once_per_prefix(client, monkeypatch):
    """The app list is built on the first request of a process, not on each."""
    import mysite.views

    calls = []
    real = mysite.views.project_apps

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(mysite.views, "project_apps", counting)
    monkeypatch.setattr(mysite.views, "_app_lists", {})
    for _ in range(3):
        assert 'href="/polls/"' in client.get("/").content.decode()
    assert len(calls) == 1

    from django.urls import get_script_prefix, set_script_prefix

    saved = get_script_prefix()
    set_script_prefix("/site/")
    try:
        assert 'href="/site/polls/"' in client.get("/").content.decode()
    finally:
        set_script_prefix(saved)
    assert len(calls) == 2
