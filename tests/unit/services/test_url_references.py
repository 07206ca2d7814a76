"""URL references in the org chart: what the original sample's clients send is
accepted (both stores), dangerous schemes and control characters are refused
with a 400 per field, and pages link to a stored URL only when that is safe."""

import pytest
from django.template import Context, Template

from services.models import Group, Org
from services.urlrefs import link_href, url_reference_error

pytestmark = pytest.mark.django_db

ACCEPTED = [
    "mocha.mysql.test.org.home.orl",  # the sample's own data: scheme-less host
    "mocha/mysql/test/thumb/path",
    "example.org:8080/team",  # host:port, no scheme
    "https://example.org/a?b=c#d",
    "HTTP://EXAMPLE.ORG/",
    "mailto:team@example.org",
    "/services/main/1",
    "../sibling",
    "?page=2",
    "#",
    "#section-2",
    "a page with spaces",
    "https://example.org/" + "x" * 480,  # exactly 500 characters
]

REFUSED = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "\x01javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "https://example.org/\x00",
    "https://example.org/\x7f",
    "https://example.org/a\u2028b",
    "https://example.org/" + "x" * 481,  # 501 characters
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_accepted_url_references_are_stored_as_sent(api, store, value):
    response = api.post(f"orgs/{store}", {"label": "ok", "url": value})
    assert response.status_code == 201, response.content
    org_id = response.json()["org"]
    assert api.get(f"orgs/{org_id}/{store}").json()["org"]["url"] == value
    response = api.post(f"orgs/{org_id}/groups/{store}", {"label": "g", "url": value, "thumb_img_path": value})
    assert response.status_code == 201, response.content
    group = api.get(f"orgs/{org_id}/groups/{response.json()['group']}/{store}").json()["group"]
    assert (group["url"], group["thumb_img_path"]) == (value, value)


@pytest.mark.parametrize("value", REFUSED)
def test_refused_url_references_are_400_with_a_message_per_field(api, store, value):
    response = api.post(f"orgs/{store}", {"label": "ok", "url": value})
    assert response.status_code == 400, value
    assert list(response.json()) == ["url"]
    assert response.json()["url"][0]
    org_id = api.new_org(store)
    response = api.post(f"orgs/{org_id}/groups/{store}", {"label": "g", "url": value, "thumb_img_path": value})
    assert response.status_code == 400
    assert sorted(response.json()) == ["thumb_img_path", "url"]
    response = api.put(f"orgs/{org_id}/{store}", {"label": "ok", "url": value})
    assert response.status_code == 400
    assert list(response.json()) == ["url"]
    # Nothing was written.
    assert api.get(f"orgs/{org_id}/{store}").json()["org"]["url"] == ""
    assert api.get(f"orgs/{org_id}/groups/{store}").json()["groups"] == []


def test_the_message_names_the_scheme(api):
    response = api.post("orgs/mysql", {"label": "ok", "url": " JaVaScRiPt:alert(1)"})
    assert "javascript:" in response.json()["url"][0]
    response = api.post("orgs/mysql", {"label": "ok", "url": "java\tscript:alert(1)"})
    assert "control characters" in response.json()["url"][0]


@pytest.mark.parametrize("value", ACCEPTED)
def test_model_validation_accepts_the_same(value):
    Org(label="ok", url=value).full_clean()


@pytest.mark.parametrize("value", REFUSED)
def test_model_validation_refuses_the_same(value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        Org(label="ok", url=value).full_clean()
    assert "url" in info.value.message_dict


@pytest.mark.parametrize(
    "value, href",
    [
        ("https://example.org/a", "https://example.org/a"),
        ("http://example.org", "http://example.org"),
        ("mailto:team@example.org", "mailto:team@example.org"),
        ("/services/main/1", "/services/main/1"),
        ("//cdn.example/x", "//cdn.example/x"),
        ("#", "#"),
        ("#top", "#top"),
        ("?page=2", "?page=2"),
        ("../x", "../x"),
        ("  https://example.org/  ", "https://example.org/"),
        # Shown as text: a browser would resolve these against the current page.
        ("mocha.mysql.test.org.home.orl", ""),
        ("example.org:8080/x", ""),
        ("http:example.org", ""),
        ("https:///x", ""),
        ("", ""),
        # Never links (stored before the rules, or written around the API).
        *[(bad, "") for bad in REFUSED[:-1]],
    ],
)
def test_link_href(value, href):
    assert link_href(value) == href


def test_safe_href_filter_in_a_template():
    template = Template("{% load services_links %}[{{ u|safe_href }}]")
    assert template.render(Context({"u": "javascript:alert(1)"})) == "[]"
    assert template.render(Context({"u": "https://example.org/?a=1&b=2"})) == "[https://example.org/?a=1&amp;b=2]"
    assert template.render(Context({"u": None})) == "[]"


def test_org_chart_page_never_links_to_a_dangerous_url(client):
    # Written around the API (no validation), as old data might be.
    org = Org.objects.create(label="Old data", url=" JaVaScRiPt:alert(1)")
    Group.objects.create(org=org, label="Bad", url="javascript:alert(2)")
    Group.objects.create(org=org, label="Sample", url="mocha.mysql.test.org.home.orl")
    Group.objects.create(org=org, label="Anchor", url="#")
    Group.objects.create(org=org, label="Web", url="https://example.org/team")
    response = client.get(f"/services/main/{org.pk}?store=mysql")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="javascript' not in html.lower()
    assert 'href=" javascript' not in html.lower()
    assert 'href="https://example.org/team"' in html
    assert 'href="#"' in html
    # The stored values are still shown, as text.
    assert "JaVaScRiPt:alert(1)" in html and "javascript:alert(2)" in html
    assert "mocha.mysql.test.org.home.orl" in html
    assert 'href="mocha.mysql.test.org.home.orl"' not in html


def test_error_text_helper():
    assert url_reference_error("https://example.org/") is None
    assert url_reference_error("data:,x")
