"""The page cache of anonymous pages (mysite/pagecache.py): hits cost no
query, every change shows on the next GET, nobody gets anyone else's page,
languages stay apart, a future question appears when its time comes."""

import datetime
import io
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mysite import pagecache
from polls.models import Choice, Question

pytestmark = pytest.mark.django_db


def question_with_choices(text="What's up?", days=-1, choices=("Not much", "The sky")):
    question = Question.objects.create(question_text=text, pub_date=timezone.now() + datetime.timedelta(days=days))
    return question, [question.choice_set.create(choice_text=c) for c in choices]


def queries_of(client, url, **extra):
    """(response, number of queries the GET ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response
    return response, len(queries)


# --- hits cost no query ------------------------------------------------------


@pytest.mark.parametrize("name", ["polls:index", "polls:results", "home"])
def test_second_anonymous_get_runs_no_query(client, name):
    question, _ = question_with_choices()
    url = reverse(name, args=(question.pk,)) if name == "polls:results" else reverse(name)
    first, count = queries_of(client, url)
    if name != "home":
        assert count > 0
    second, count = queries_of(client, url)
    assert count == 0
    assert second.content == first.content


def test_detail_choices_are_a_fragment_and_the_csrf_token_is_fresh(client):
    question, _ = question_with_choices(choices=("Not much", "The sky"))
    url = reverse("polls:detail", args=(question.pk,))
    queries_of(client, url)
    client.cookies.clear()  # as wrk: no cookie, so every visitor gets a token of their own
    second, count = queries_of(client, url)
    assert count == 0
    html = second.content.decode()
    assert "The sky" in html and 'name="csrfmiddlewaretoken"' in html
    assert "csrftoken" in second.cookies  # the token was made for this request, not cached
    client.cookies.clear()
    third, _ = queries_of(client, url)
    assert third.cookies["csrftoken"].value != second.cookies["csrftoken"].value


# --- changes show on the next GET --------------------------------------------


def test_new_question_shows_on_the_cached_index(client):
    question_with_choices("First question")
    queries_of(client, reverse("polls:index"))
    Question.objects.create(question_text="Second question", pub_date=timezone.now())  # no choices: its own signal
    assert "Second question" in client.get(reverse("polls:index")).content.decode()


def test_vote_shows_on_the_cached_results_and_index_is_rebuilt(client):
    question, (a, _) = question_with_choices()
    results = reverse("polls:results", args=(question.pk,))
    assert "Not much -- 0 votes" in client.get(results).content.decode()
    client.post(reverse("polls:vote", args=(question.pk,)), {"choice": a.pk})
    assert "Not much -- 1 vote<" in client.get(results).content.decode()


def test_changed_choice_shows_on_the_cached_detail_page(client):
    question, (a, _) = question_with_choices()
    url = reverse("polls:detail", args=(question.pk,))
    assert "Not much" in client.get(url).content.decode()
    a.choice_text = "Quite a lot"
    a.save()
    question.question_text = "What is new?"
    question.save()
    html = client.get(url).content.decode()
    assert "Quite a lot" in html and "What is new?" in html and "Not much" not in html


def test_deleted_question_is_gone_from_the_cached_pages(client):
    question, _ = question_with_choices("Soon gone")
    detail = reverse("polls:detail", args=(question.pk,))
    client.get(detail)
    client.get(reverse("polls:index"))
    question.delete()
    assert client.get(detail).status_code == 404
    assert "Soon gone" not in client.get(reverse("polls:index")).content.decode()


def test_admin_save_shows_on_the_cached_pages(client, admin_client):
    question, (a, b) = question_with_choices("Before the admin")
    index, detail = reverse("polls:index"), reverse("polls:detail", args=(question.pk,))
    client.get(index)
    client.get(detail)
    change = reverse("admin:polls_question_change", args=(question.pk,))
    local = timezone.localtime(question.pub_date)
    data = {
        "question_text": "After the admin",
        "pub_date_0": local.strftime("%Y-%m-%d"),
        "pub_date_1": local.strftime("%H:%M:%S"),
        "choice_set-TOTAL_FORMS": "2",
        "choice_set-INITIAL_FORMS": "2",
        "choice_set-MIN_NUM_FORMS": "0",
        "choice_set-MAX_NUM_FORMS": "1000",
        "choice_set-0-id": str(a.pk),
        "choice_set-0-question": str(question.pk),
        "choice_set-0-choice_text": "Admin choice",
        "choice_set-0-votes": "0",
        "choice_set-1-id": str(b.pk),
        "choice_set-1-question": str(question.pk),
        "choice_set-1-choice_text": "The sky",
        "choice_set-1-votes": "0",
    }
    response = admin_client.post(change, data)
    assert response.status_code == 302, (
        response.context["errors"],
        [f.errors for f in response.context["inline_admin_formsets"][0].formset],
    )
    assert "After the admin" in client.get(index).content.decode()
    html = client.get(detail).content.decode()
    assert "After the admin" in html and "Admin choice" in html


def test_a_change_in_another_process_is_seen_through_the_shared_generation(client):
    """What a signal in another process does is bump the generation in the
    shared cache: nothing else tells this process."""
    question, _ = question_with_choices("Old text")
    client.get(reverse("polls:index"))
    Question.objects.filter(pk=question.pk).update(question_text="New text")  # no signal
    assert "Old text" in client.get(reverse("polls:index")).content.decode()
    pagecache.bump("polls")
    assert "New text" in client.get(reverse("polls:index")).content.decode()


def test_seed_bulk_shows_on_the_cached_index(client):
    """bulk_create and raw DELETEs send no signal: seed_bulk bumps itself."""
    from django.core.management import call_command

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    assert "[seed]" not in client.get(reverse("polls:index")).content.decode()
    call_command("seed_bulk", "--questions", "2", "--groups", "0", **quiet)
    assert "[seed] question 1" in client.get(reverse("polls:index")).content.decode()
    call_command("seed_bulk", "--remove", **quiet)
    assert "[seed]" not in client.get(reverse("polls:index")).content.decode()


# --- nobody gets another visitor's page --------------------------------------


def test_logged_in_user_never_gets_or_fills_the_anonymous_cache(client, admin_client):
    question_with_choices()
    url = reverse("polls:index")
    queries_of(client, url)  # cached for anonymous visitors
    _, count = queries_of(admin_client, url)
    assert count > 0  # the session's queries and the page's own: not the cached page
    cache.clear()
    queries_of(admin_client, url)
    _, count = queries_of(client, url)
    assert count > 0  # the logged-in GET stored nothing for anonymous visitors


def test_org_chart_fragment_is_never_shared_between_staff_and_anonymous(client, admin_client, db):
    from services.models import Group, Org

    org = Org.objects.create(label="Acme")
    Group.objects.create(org=org, label="Engineering")
    url = reverse("services:org_chart_page", args=[org.pk])
    staff_html = admin_client.get(url).content.decode()
    assert "Manage groups" in staff_html and "Signed in as" in staff_html
    anon_html = client.get(url).content.decode()
    assert "Engineering" in anon_html
    assert "Manage groups" not in anon_html and "Signed in as" not in anon_html
    assert "Manage groups" in admin_client.get(url).content.decode()


def view_counting(calls, set_cookie=False, csrf=False, session=False):
    """A marked view behind PageCacheMiddleware, counting its calls."""

    @pagecache.cache_anonymous_page("polls")
    def view(request):
        calls.append(1)
        response = HttpResponse(f"page {len(calls)}")
        if set_cookie:
            response.set_cookie("flavour", "oatmeal")
        if csrf:
            get_token(request)
        if session:
            request.session["seen"] = True
        return response

    return pagecache.PageCacheMiddleware(view)


def anonymous_request(**extra):
    from django.contrib.sessions.backends.cache import SessionStore

    request = RequestFactory().get("/page", **extra)
    request.session = SessionStore()
    return request


@pytest.mark.parametrize("kind", ["set_cookie", "csrf", "session"])
def test_a_response_that_sets_a_cookie_is_never_cached(kind):
    calls = []
    view = view_counting(calls, **{kind: True})
    view(anonymous_request())
    view(anonymous_request())
    assert len(calls) == 2


def test_a_plain_response_is_cached_and_any_other_cookie_skips_it():
    calls = []
    view = view_counting(calls)
    assert view(anonymous_request()).content == b"page 1"
    assert view(anonymous_request(HTTP_COOKIE="csrftoken=abc")).content == b"page 1"  # a CSRF cookie changes nothing
    assert view(anonymous_request(HTTP_COOKIE="sessionid=abc")).content == b"page 2"  # a session: not anonymous
    assert view(anonymous_request(HTTP_COOKIE="messages=abc")).content == b"page 3"
    assert len(calls) == 3


def test_an_unmarked_view_is_never_cached():
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse("unmarked")

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(anonymous_request())
    middleware(anonymous_request())
    assert len(calls) == 2


def test_an_unmarked_path_costs_no_cache_lookup_after_its_first_get(monkeypatch):
    lookups = []

    class CountingCache:
        def __getattr__(self, name):
            return getattr(cache, name)

        def get_many(self, keys):
            lookups.append(keys)
            return cache.get_many(keys)

    monkeypatch.setattr(pagecache, "cache", CountingCache())
    middleware = pagecache.PageCacheMiddleware(lambda request: HttpResponse("unmarked"))
    for _ in range(3):
        middleware(anonymous_request())
    assert len(lookups) == 1
    middleware.UNMARKED_PATHS_MAX = 1
    middleware(RequestFactory().get("/another"))  # full: the set starts again
    assert middleware.unmarked_paths == {"/another"}


def test_a_hit_is_the_page_as_every_middleware_left_it(client):
    """The middleware is first: a hit skips the others, so what it stored
    must already carry their headers."""
    question_with_choices()
    url = reverse("polls:index")
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert not queries.captured_queries
    for header in ("X-Frame-Options", "Content-Language", "Vary", "Content-Type"):
        assert header in first.headers, header
        assert second.headers[header] == first.headers[header], header
    assert second.content == first.content


def test_only_get_is_cached():
    calls = []
    view = view_counting(calls)
    request = RequestFactory().post("/page")
    request.session = anonymous_request().session
    view(request)
    view(request)
    assert len(calls) == 2


def test_a_path_with_dot_segments_has_a_key_of_its_own():
    # Django resolves the path as sent, dot segments included; keyed as its
    # normalized form, the answer for one URL could fill the cached page of
    # another (CVE-2026-125673, build_absolute_uri(), fixed in Django 5.2.20).
    factory = RequestFactory()
    dotted = pagecache.page_key(factory.get("/services/x/../../polls/"), "en")
    assert dotted != pagecache.page_key(factory.get("/polls/"), "en")
    assert dotted == pagecache.page_key(factory.get("/services/x/../../polls/"), "en")


# --- pages with a form: cached whole, a token of each visitor's own -----------


def form_view(calls, status=200):
    """A marked view whose template shows a CSRF token, behind the middleware."""
    from django.template import engines

    template = engines["django"].from_string('<form method="post">{% csrf_token %}</form> page {{ n }}')

    @pagecache.cache_anonymous_page("polls")
    def view(request):
        calls.append(1)
        return HttpResponse(template.render({"n": len(calls)}, request), status=status)

    return pagecache.PageCacheMiddleware(view)


def token_of(response):
    import re

    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content).group(1).decode()


def secret_of(token):
    from django.middleware.csrf import _unmask_cipher_token

    return _unmask_cipher_token(token)


def test_a_page_with_a_form_is_cached_whole_with_a_token_of_each_visitors_own():
    calls = []
    view = form_view(calls)
    first, second = view(anonymous_request()), view(anonymous_request())
    assert len(calls) == 1  # the second is a hit: the view did not run
    assert b"page 1" in second.content
    for response in (first, second):
        assert pagecache._CSRF_STAND_IN.encode() not in response.content
        # The form's token is of the secret the cookie gives this visitor.
        assert secret_of(token_of(response)) == response.cookies["csrftoken"].value
        assert "Cookie" in response["Vary"]
        assert "private" in response["Cache-Control"]  # no shared cache may keep a visitor's token
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_the_cached_entry_holds_the_stand_in_and_no_visitors_token():
    from django.utils import translation

    calls = []
    view = form_view(calls)
    request = anonymous_request()
    served = view(request)
    generation, (group, stored, stand_in, fresh_until) = cache.get(
        pagecache.page_key(request, translation.get_language_from_request(request))
    )
    assert stand_in == pagecache._CSRF_STAND_IN and stand_in.encode() in stored.content
    assert token_of(served).encode() not in stored.content
    assert not stored.cookies and "private" not in stored.get("Cache-Control", "")


def test_random_csrf_strings_are_djangos_alphabet_and_length_and_never_repeat():
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

    drawn = [pagecache.random_csrf_string() for _ in range(200)]
    assert all(len(s) == CSRF_SECRET_LENGTH and set(s) <= set(CSRF_ALLOWED_CHARS) for s in drawn)
    assert len(set(drawn)) == len(drawn)
    assert len(pagecache.random_csrf_string(100)) == 100  # more than one draw of bytes


def test_random_csrf_strings_give_every_character_the_same_chance():
    """A plain byte % 62 would make the first 8 characters 5/4 as likely as the
    rest (256 = 4 x 62 + 8): about 1290 against 1030 draws each here."""
    from collections import Counter

    from django.middleware.csrf import CSRF_ALLOWED_CHARS

    counts = Counter("".join(pagecache.random_csrf_string() for _ in range(2000)))
    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    assert all(abs(n - expected) < 0.15 * expected for n in counts.values()), counts


def test_visitor_csrf_token_is_what_djangos_check_accepts():
    from django.middleware.csrf import CSRF_TOKEN_LENGTH, _check_token_format, _does_token_match

    request = anonymous_request()
    first = pagecache.visitor_csrf_token(request)
    secret = request.META["CSRF_COOKIE"]  # a new secret, for the response's cookie
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    second = pagecache.visitor_csrf_token(request)
    for token in (first, second):
        assert len(token) == CSRF_TOKEN_LENGTH
        _check_token_format(token)
        assert _does_token_match(token, secret)
        assert secret_of(token) == secret
    assert first != second  # masked afresh, the secret kept
    assert request.META["CSRF_COOKIE"] == secret
    assert not _does_token_match(first, "b" * 32)


def test_visitor_csrf_token_keeps_the_secret_of_the_visitors_cookie():
    request = anonymous_request()
    request.META["CSRF_COOKIE"] = secret = "Z9" * 16
    assert secret_of(pagecache.visitor_csrf_token(request)) == secret
    assert request.META["CSRF_COOKIE"] == secret


def test_a_visitor_with_a_csrf_cookie_keeps_its_secret_on_a_hit():
    calls = []
    view = form_view(calls)
    view(anonymous_request())
    secret = "a" * 32
    hit = view(anonymous_request(HTTP_COOKIE=f"csrftoken={secret}"))
    assert len(calls) == 1
    assert secret_of(token_of(hit)) == secret
    assert hit.cookies["csrftoken"].value == secret


def test_a_malformed_csrf_cookie_gets_a_new_secret_on_a_hit():
    calls = []
    view = form_view(calls)
    view(anonymous_request())
    hit = view(anonymous_request(HTTP_COOKIE="csrftoken=not!a!token"))
    assert secret_of(token_of(hit)) == hit.cookies["csrftoken"].value != "not!a!token"


def test_a_page_with_a_form_that_is_not_cached_still_gets_a_real_token():
    calls = []
    view = form_view(calls, status=404)
    for _ in range(2):
        response = view(anonymous_request())
        assert secret_of(token_of(response)) == response.cookies["csrftoken"].value
        assert pagecache._CSRF_STAND_IN.encode() not in response.content
    assert len(calls) == 2  # a 404 is never cached


def test_a_page_without_a_form_sets_no_csrf_cookie(client):
    question_with_choices()
    for _ in range(2):
        response = client.get(reverse("polls:index"))
        assert "csrftoken" not in response.cookies


def test_a_cached_detail_page_is_served_whole_and_its_token_votes(monkeypatch):
    from django.test import Client

    from polls import views

    question, choices = question_with_choices()
    url = reverse("polls:detail", args=(question.pk,))
    Client().get(url)  # fills the cache
    renders = []
    real = views.DetailView.get_context_data
    monkeypatch.setattr(views.DetailView, "get_context_data", lambda self, **kw: renders.append(1) or real(self, **kw))
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    assert renders == []  # whole from the cache
    assert page["Content-Length"] == str(len(page.content))
    vote = visitor.post(
        reverse("polls:vote", args=(question.pk,)),
        {"choice": choices[1].pk, "csrfmiddlewaretoken": token_of(page)},
    )
    assert vote.status_code == 302, vote.content
    choices[1].refresh_from_db()
    assert choices[1].votes == 1


def test_another_visitors_token_from_a_cached_page_is_refused():
    from django.test import Client

    question, choices = question_with_choices()
    url = reverse("polls:detail", args=(question.pk,))
    someone_else = Client().get(url)
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(url)
    vote = visitor.post(
        reverse("polls:vote", args=(question.pk,)),
        {"choice": choices[0].pk, "csrfmiddlewaretoken": token_of(someone_else)},
    )
    assert vote.status_code == 403
    choices[0].refresh_from_db()
    assert choices[0].votes == 0


def test_a_cached_org_chart_page_is_served_whole(client, db, monkeypatch):
    from services.models import Group, Org
    from services.views import org_chart

    org = Org.objects.create(label="Acme")
    Group.objects.create(org=org, label="Engineering")
    url = reverse("services:org_chart_page", args=[org.pk])
    first = client.get(url)
    lookups = []
    real = org_chart.cached_org
    monkeypatch.setattr(org_chart, "cached_org", lambda *a: lookups.append(a) or real(*a))
    client.cookies.clear()
    second = client.get(url)
    assert lookups == []
    assert second.status_code == 200 and b"Engineering" in second.content
    assert token_of(second) != token_of(first)


# --- languages stay apart ------------------------------------------------------


@pytest.mark.parametrize("path", ["/polls/", "/"])
def test_korean_and_english_get_their_own_pages(client, path):
    question_with_choices()
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    korean = client.get(path, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "투표" in korean and 'lang="ko"' in korean
    assert "투표" not in english and 'lang="en"' in english
    # Both are cached now; each language still gets its own.
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode() == english
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="ko").content.decode() == korean
    client.cookies["django_language"] = "ko"
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode() == korean  # the cookie wins, as in Django


def test_korean_org_chart_fragment_is_not_served_in_english(client, db):
    from services.models import Group, Org

    org = Org.objects.create(label="Acme")
    Group.objects.create(org=org, label="Engineering")
    url = reverse("services:org_chart_page", args=[org.pk])
    korean = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Structure" in english and "Structure" not in korean


# --- what cannot signal: time ---------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Moves the clocks of Django (timezone.now) and of the cache (time.time) forward."""
    offset = [0.0]
    real_time, real_now = time.time, timezone.now
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(seconds=offset[0]))

    def advance(seconds):
        offset[0] += seconds

    return advance


def test_future_question_appears_once_due_though_the_pages_are_cached(client, clock):
    question_with_choices("Already out")
    soon = Question.objects.create(
        question_text="Coming soon", pub_date=timezone.now() + datetime.timedelta(seconds=20)
    )
    Choice.objects.create(question=soon, choice_text="Yes")
    detail = reverse("polls:detail", args=(soon.pk,))
    index = reverse("polls:index")
    assert "Coming soon" not in client.get(index).content.decode()
    assert client.get(detail).status_code == 404
    assert "Coming soon" not in client.get(index).content.decode()  # from the cache
    clock(21)  # well inside PAGE_CACHE_SECONDS (60): only the index's own limit expires it
    assert "Coming soon" in client.get(index).content.decode()
    assert client.get(detail).status_code == 200


def test_page_cache_timeout_bounds_what_nothing_signals(client, clock, settings):
    question, _ = question_with_choices("Old text")
    client.get(reverse("polls:index"))
    Question.objects.filter(pk=question.pk).update(question_text="New text")  # no signal
    clock(settings.PAGE_CACHE_SECONDS - 5)
    assert "Old text" in client.get(reverse("polls:index")).content.decode()
    clock(10)
    assert "New text" in client.get(reverse("polls:index")).content.decode()


def test_an_expired_page_is_served_while_another_request_rebuilds_it(client, clock, settings, monkeypatch):
    """Stale while revalidate: past its timeout a page is rebuilt by the one
    request that claims the rebuild; a request arriving meanwhile (the claim
    held elsewhere) gets the page it replaces at once, without a query."""
    question, _ = question_with_choices("Old text")
    index = reverse("polls:index")
    queries_of(client, index)
    Question.objects.filter(pk=question.pk).update(question_text="New text")  # no signal
    clock(settings.PAGE_CACHE_SECONDS + 1)
    claims = []
    monkeypatch.setattr(pagecache, "claim_rebuild", lambda key: claims.append(key) or False)
    response, count = queries_of(client, index)
    assert claims, "an expired page was served without asking who rebuilds it"
    assert (count, "Old text" in response.content.decode()) == (0, True)
    monkeypatch.setattr(pagecache, "claim_rebuild", lambda key: True)
    response, count = queries_of(client, index)
    assert count > 0 and "New text" in response.content.decode()
    monkeypatch.setattr(pagecache, "claim_rebuild", lambda key: pytest.fail("a fresh page asked for a rebuild"))
    response, count = queries_of(client, index)
    assert (count, "New text" in response.content.decode()) == (0, True)


def test_only_one_request_claims_an_expired_pages_rebuild(clock):
    assert pagecache.claim_rebuild("pagecache:page:test") is True
    assert pagecache.claim_rebuild("pagecache:page:test") is False
    assert pagecache.claim_rebuild("pagecache:page:other") is True
    clock(pagecache.REBUILD_SECONDS + 1)  # the claimant failed: the next request tries again
    assert pagecache.claim_rebuild("pagecache:page:test") is True


def test_an_expired_page_is_never_served_past_the_rebuild_window(client, clock, settings, monkeypatch):
    question, _ = question_with_choices("Old text")
    index = reverse("polls:index")
    client.get(index)
    Question.objects.filter(pk=question.pk).update(question_text="New text")  # no signal
    monkeypatch.setattr(pagecache, "claim_rebuild", lambda key: False)  # a rebuild that never ends
    clock(settings.PAGE_CACHE_SECONDS + 1)
    assert "Old text" in client.get(index).content.decode()
    clock(pagecache.REBUILD_SECONDS)
    assert "New text" in client.get(index).content.decode()


def test_a_change_is_never_served_stale_while_a_rebuild_is_under_way(client, clock, settings, monkeypatch):
    question_with_choices("Old question")
    index = reverse("polls:index")
    client.get(index)
    monkeypatch.setattr(pagecache, "claim_rebuild", lambda key: False)
    clock(settings.PAGE_CACHE_SECONDS + 1)
    question_with_choices("New question")  # signalled: a new generation
    assert "New question" in client.get(index).content.decode()


def test_page_cache_seconds_zero_turns_it_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    question_with_choices()
    for name in ("polls:index", "home"):
        queries_of(client, reverse(name))
        _, count = queries_of(client, reverse(name))
        if name != "home":
            assert count > 0
    assert not [k for k in cache._cache if ":pagecache:page:" in k]


def test_a_new_release_never_serves_the_old_releases_pages(client, settings):
    """Every release is its own folder: after a deploy (or a rollback) the
    pages and fragments cached by the other code are not used, though a
    change in the data still reaches every release through the generation."""
    question, _ = question_with_choices("Shown by the old code")
    index, detail = reverse("polls:index"), reverse("polls:detail", args=(question.pk,))
    queries_of(client, index)
    queries_of(client, detail)
    assert queries_of(client, index)[1] == 0
    settings.BASE_DIR = settings.BASE_DIR.parent / "another-release"
    _, index_queries = queries_of(client, index)
    assert index_queries > 0, "the new release got the old release's cached index"
    with CaptureQueriesContext(connection) as fragment_queries:
        client.get(detail)
    assert any("polls_choice" in q["sql"] for q in fragment_queries.captured_queries), (
        "the new release got the old release's cached choices"
    )


# --- a cache outage --------------------------------------------------------------


def test_pages_work_while_redis_is_down(client, settings):
    """django-redis pointed at a port where nothing listens, errors ignored
    (as in settings): every page still answers, uncached."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    settings.DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
    question, (a, _) = question_with_choices("Still here")
    for url in (
        reverse("polls:index"),
        reverse("polls:detail", args=(question.pk,)),
        reverse("polls:results", args=(question.pk,)),
        reverse("home"),
    ):
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, url
    assert "Still here" in client.get(reverse("polls:index")).content.decode()
    response = client.post(reverse("polls:vote", args=(question.pk,)), {"choice": a.pk})
    assert response.status_code == 302
