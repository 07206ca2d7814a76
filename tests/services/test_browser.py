"""A real browser (Playwright driving Debian's chromium) against the deployed site.

1. Django's admin: log in with the generated credentials, add a poll question
   with two choices, open it on /polls/, vote, see the result.
2. The services pages: log in on /services/login/, create an org and a group
   with a picture (a PNG made here) in the mysql store, see them on the org
   chart /services/main/<org_id>, then delete the org (confirming the dialog).

Needs the stack deployed by the playbook (the `deployed_site` fixture of
tests/conftest.py) and /usr/bin/chromium; `playwright install` is never used.
"""

import datetime
import re
import uuid
from zoneinfo import ZoneInfo

import pytest

from services_site import png_bytes

pytestmark = [pytest.mark.deploy, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, deployed_site, request, tmp_path):
    context = browser.new_context(
        base_url=deployed_site.base_url.rstrip("/"),
        # The site's certificate is signed by the local CA, which Chromium's
        # own store does not hold; tests/deploy/test_https.py verifies it.
        ignore_https_errors=True,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
        viewport={"width": 1200, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    try:  # the last page seen, next to pytest's temporary files (kept for 3 runs)
        page.screenshot(path=str(tmp_path / "last-page.png"), full_page=True)
    except Exception:  # noqa: BLE001
        pass
    context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


def test_admin_adds_a_poll_and_a_visitor_votes(page, deployed_site):
    from playwright.sync_api import expect

    # Log in to Django's admin with the generated credentials.
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", deployed_site.admin_user)
    page.fill("#id_password", deployed_site.admin_password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("body")).to_contain_text("Site administration")

    # Add a question with two choices through the admin form.
    question = f"Browser test {uuid.uuid4().hex[:8]}: tea or coffee?"
    page.goto("/admin/polls/question/add/")
    page.fill("#id_question_text", question)
    # "Date information" is a collapsed fieldset (<details>): open it first.
    summary = page.locator("summary", has_text="Date information")
    if summary.count():
        summary.first.click()
    published = datetime.datetime.now(ZoneInfo("Asia/Seoul")) - datetime.timedelta(minutes=5)
    page.fill("#id_pub_date_0", published.strftime("%Y-%m-%d"))
    page.fill("#id_pub_date_1", published.strftime("%H:%M:%S"))
    page.fill("#id_choice_set-0-choice_text", "Tea")
    page.fill("#id_choice_set-1-choice_text", "Coffee")
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")

    # Open it on /polls/, vote, see the result.
    page.goto("/polls/")
    page.get_by_role("link", name=question).click()
    page.wait_for_url(re.compile(r"/polls/\d+/$"))
    question_id = re.search(r"/polls/(\d+)/$", page.url).group(1)
    page.get_by_label("Coffee").check()
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(rf"/polls/{question_id}/results/$"))
    results = page.locator("main")
    expect(results).to_contain_text(question)
    expect(results).to_contain_text(re.compile(r"Coffee\s*--\s*1 vote\b"))
    expect(results).to_contain_text(re.compile(r"Tea\s*--\s*0 votes"))

    # Tidy up: delete the question through the admin (with its confirmation page).
    page.goto(f"/admin/polls/question/{question_id}/delete/")
    page.click("input[type=submit]")
    expect(page.locator("ul.messagelist")).to_contain_text("deleted successfully")


def test_staff_creates_an_org_and_a_group_with_a_picture(page, deployed_site):
    from playwright.sync_api import expect

    # The management pages need a login: anonymous users land on the login page.
    page.goto("/services/manage/?store=mysql")
    page.wait_for_url(re.compile(r"/services/login/\?next="))
    page.fill("#id_username", deployed_site.admin_user)
    page.fill("#id_password", deployed_site.admin_password)
    page.locator("form.svc-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/services/manage/"))
    expect(page.locator("h1")).to_have_text("Organisations")
    expect(page.locator(".svc-seg a[aria-current=true]")).to_have_text("MySQL")

    # Create an org; first a dangerous URL, to see the API's message next to the field.
    suffix = uuid.uuid4().hex[:8]
    org_label = f"Browser Org {suffix}"
    page.click("#svc-add-org")
    page.wait_for_url(re.compile(r"/services/manage/orgs/new/"))
    page.fill("#id_label", org_label)
    page.fill("#id_desc", "Made by the browser test.")
    page.evaluate("document.getElementById('svc-org-form').noValidate = true")
    page.fill("#id_url", "javascript:alert(1)")
    page.click("#svc-save")
    expect(page.locator("#id_url_error")).not_to_be_empty()
    expect(page.locator("#svc-error")).to_be_visible()
    page.fill("#id_url", "https://example.org/browser")
    page.click("#svc-save")
    page.wait_for_url(re.compile(r"/services/manage/orgs/(\d+)/groups/"))
    org_id = re.search(r"/orgs/(\d+)/groups/", page.url).group(1)
    expect(page.locator("h1")).to_have_text(org_label)
    expect(page.locator("#svc-flash")).to_be_visible()

    try:
        # A group with a picture.
        page.click("#svc-add-group")
        page.wait_for_url(re.compile(rf"/services/manage/orgs/{org_id}/groups/new/"))
        page.fill("#id_label", "Research")
        page.fill("#id_desc", "Finds things out.")
        page.set_input_files(
            "#id_file", files=[{"name": "research.png", "mimeType": "image/png", "buffer": png_bytes(48, 48)}]
        )
        expect(page.locator("#id_thumb_img_path")).to_have_value(re.compile(r"^(/services/images/|https?://).+"))
        expect(page.locator("#svc-preview img")).to_be_visible()
        expect(page.locator("#id_thumb_error")).to_be_empty()
        page.click("#svc-save")
        page.wait_for_url(re.compile(rf"/services/manage/orgs/{org_id}/groups/(\?.*)?$"))
        expect(page.locator("#svc-groups")).to_contain_text("Research")

        # A subgroup, to see the tree.
        page.click("#svc-add-group")
        page.fill("#id_label", "Lab A")
        page.select_option("#id_parent_id", label="Research")
        page.click("#svc-save")
        page.wait_for_url(re.compile(rf"/services/manage/orgs/{org_id}/groups/(\?.*)?$"))
        expect(page.locator("#svc-groups")).to_contain_text("Lab A")

        # The org chart shows both, as cards and as a tree, with the picture loaded.
        page.goto(f"/services/main/{org_id}?store=mysql")
        expect(page.locator("h1")).to_have_text(org_label)
        cards = page.locator("#svc-group-cards")
        expect(cards).to_contain_text("Research")
        expect(cards).to_contain_text("Lab A")
        picture = cards.locator("li", has_text="Research").locator("img")
        expect(picture).to_be_visible()
        picture.evaluate("img => img.complete || new Promise(r => { img.onload = r; img.onerror = r; })")
        assert picture.evaluate("img => img.naturalWidth") > 0, "the uploaded picture did not load"
        tree = page.locator("#svc-tree")
        expect(tree.locator("li", has_text="Research").locator("ul li")).to_contain_text("Lab A")
    finally:
        # Delete the org (and its groups), confirming the browser's dialog.
        page.goto(f"/services/manage/orgs/{org_id}/?store=mysql")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("button[data-svc-delete]").click()
        page.wait_for_url(re.compile(r"/services/manage/(\?.*)?$"))
    expect(page.locator("body")).not_to_contain_text(org_label)
    assert page.request.get(f"/services/orgs/{org_id}/mysql").status == 404
