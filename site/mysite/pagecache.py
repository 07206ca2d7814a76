"""Caching of anonymous pages, invalidated by a generation per data group.

Most requests for the main pages come from visitors who are not logged in,
and their pages are the same for all of them in a given language. So:

- cache_anonymous_page(group) marks a view (polls index, results, the org
  list API, home) whose whole response PageCacheMiddleware keeps for
  anonymous GETs. The middleware comes first in MIDDLEWARE, so a hit is
  answered before any other middleware runs (sessions, CSRF, locale,
  authentication...), which halves the CPU a cached page costs; what it
  keeps is the response as every middleware left it, headers included;
- a page with a form (the poll's vote form, the services' language
  switcher) is cached whole too, with a stand-in for its CSRF token: while
  the middleware builds an entry, the template's csrf_token is a random
  string of a token's length (csrf_token_stand_in, a context processor), and
  every response, hit or miss, gets the stand-in replaced by a token of the
  visitor's own and the CSRF cookie set, as CsrfViewMiddleware would
  (fill_csrf_token). A view calling get_token() itself is still never cached;
- on a miss, the views of pages with a form also cache the data they look up
  (get_with_generation) and their templates the part that hits the database
  ({% cache %} tag, the generation in its key), so a miss is cheap too.

Invalidation: every data group ("polls", "orgs") has a generation number in
the default cache (Redis when deployed, so all processes see the same one).
A cached page or fragment is stored with the generation that was current
before its data was read, and counts only while that generation is still
current; a change bumps the generation (signals on save/delete, the vote,
the org chart API's writes, seed_bulk), so every process sees every change
at once, and an entry read before a change can never pass for a newer one.
A page hit costs one cache round trip: the page and every group's generation
are read with one get_many (the middleware does not know a URL's group
before the URL is resolved; the entry says which generation it needs).

New code never gets the old code's pages: the release's folder is part of
every page and fragment key (code_version).

Timeouts bound what cannot signal: writes made straight into MongoDB, a bump
lost while Redis was down. They are
settings.PAGE_CACHE_SECONDS (default 60) unless a view asks for less
(cache_until: the polls index must not outlive the next publication date).
When a page's time is up, one request rebuilds it and the requests that
arrive meanwhile still get the page it replaces, for at most REBUILD_SECONDS
more (stale while revalidate). A plain expiry made every request of that
moment miss and rebuild the same page at once, a stampede: measured under
load (16 connections, 2 cores), the round holding a poll page's expiry had
a p99 of 78 and 192 ms against 12-15 ms in the others. A change (a new
generation) is never served stale: its pages are rebuilt at once.

Why not Django's CacheMiddleware / cache_page: a hit there costs two round
trips (the header list, then the page) plus one for the generation; it adds
max-age/Expires to the response, so browsers would keep showing a page after
a change (the index after a vote); and it does not know which requests are
anonymous. The key below holds what CacheMiddleware's does for these pages:
the method, the absolute URL (scheme, host, path, query) and the script
prefix, the language (chosen from the language cookie or Accept-Language as
LocaleMiddleware chooses it) and the time zone.

A Redis outage does not break pages: django-redis turns errors into misses
(DJANGO_REDIS_IGNORE_EXCEPTIONS in settings), and a failed write is ignored.
"""

import functools
import hashlib
import secrets
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH, CsrfViewMiddleware
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

GROUPS = ("polls", "orgs")


# --- generations --------------------------------------------------------------


def generation_key(group):
    return f"pagecache:generation:{group}"


def _new_generation():
    # Not 1: a generation key evicted or lost with Redis must come back as a
    # number no entry stored before was ever tagged with.
    return time.time_ns()


def bump(group):
    """Make every cached page and fragment of the group stale, in every process."""
    key = generation_key(group)
    try:
        cache.incr(key)
    except ValueError:  # no generation yet (or evicted): start a new one
        cache.set(key, _new_generation(), None)


def bump_on_commit(group):
    """bump() now, and again once the current transaction commits (at once
    outside one). Now: the writer's own later reads in the transaction (and
    tests, which run inside one) see the change. After the commit: a request
    that read the old rows meanwhile may have cached them under the new
    generation, and would keep them until the timeout."""
    bump(group)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: bump(group))


def current_generation(group):
    """The group's generation, starting one if there is none (a miss path only)."""
    key = generation_key(group)
    generation = cache.get(key)
    if generation is None:
        cache.add(key, _new_generation(), None)
        generation = cache.get(key)
    return generation


def get_with_generation(group, key):
    """(generation, value stored under key) in one round trip; value is None
    when missing or stored under an older generation, and generation is
    never None (a miss starts one)."""
    gen_key = generation_key(group)
    found = cache.get_many([gen_key, key])
    generation = found.get(gen_key)
    entry = found.get(key)
    if generation is None:
        return current_generation(group), None
    if entry is not None and entry[0] == generation:
        return generation, entry[1]
    return generation, None


def set_with_generation(key, generation, value, timeout=None):
    cache.set(key, (generation, value), page_cache_seconds() if timeout is None else timeout)


def page_cache_seconds():
    return settings.PAGE_CACHE_SECONDS


@functools.cache
def _code_version(base_dir):
    return hashlib.md5(str(base_dir).encode(), usedforsecurity=False).hexdigest()[:10]


def code_version():
    """Which code renders the pages: every release is its own folder
    (/srv/polls/releases/<commit>, BASE_DIR with `current` resolved), so a
    deploy or a rollback never serves pages its templates did not render.
    Not part of the generations: a change seen by one release is seen by
    every release still running (a rolling deploy)."""
    return _code_version(settings.BASE_DIR)


def fragment_context(generation):
    """The template variables of a {% cache %} fragment: the code version and
    the generation go into its key (with what else the fragment shows), and
    its timeout."""
    return {"cache_generation": f"{code_version()}-{generation}", "cache_seconds": page_cache_seconds()}


# --- whole pages --------------------------------------------------------------


# Cookies an anonymous page does not depend on: the language cookie has
# already chosen the language (in the key), and the CSRF cookie only decides
# the token put into a page with a form after the cache. Any other cookie (the
# session: a logged-in user; messages) and the request skips the cache.
def _ignorable_cookies():
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def is_anonymous_get(request):
    return request.method == "GET" and not (set(request.COOKIES) - _ignorable_cookies())


def page_key(request, language):
    # The script prefix too: the page's own links (reverse()) depend on it.
    where = f"{get_script_prefix()} {request.build_absolute_uri()}"
    url = hashlib.md5(where.encode(), usedforsecurity=False).hexdigest()
    zone = timezone.get_current_timezone_name()
    return f"pagecache:page:{code_version()}:{request.method}:{language}:{zone}:{url}"


def cache_until(response, when):
    """Keep the response cached no later than `when` (an aware datetime)."""
    seconds = max(0, int((when - timezone.now()).total_seconds()))
    limit = getattr(response, "page_cache_timeout", None)
    response.page_cache_timeout = seconds if limit is None else min(limit, seconds)
    return response


def is_cacheable(request, response):
    """Only a plain 200 meant for anyone: nothing that sets a cookie (now, or
    later in the middleware: a CSRF token was used, the session changed),
    nothing marked private (never_cache), nothing streamed."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "private" in response.get("Cache-Control", "") or "no-cache" in response.get("Cache-Control", ""):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


# How long a page whose time is up may still be served while one request
# rebuilds it: the entry outlives its timeout by this much, and a request that
# claimed the rebuild keeps the claim this long (should it fail, the next
# request after that tries again).
REBUILD_SECONDS = 10


def claim_rebuild(key):
    """True for the one request, in all processes, that rebuilds the expired
    page under key; the others go on serving it meanwhile."""
    return bool(cache.add(f"{key}:rebuild", 1, REBUILD_SECONDS))


class _Slot:
    """What PageCacheMiddleware tells the view of an anonymous GET it could not
    answer: the generations read with the page. The view's marker
    (cache_anonymous_page) names the page's group."""

    UNMARKED = object()

    def __init__(self, generations):
        self.generations = generations
        self.group = self.UNMARKED
        self.generation = None
        # The CSRF token's stand-in, once the page's template has shown it.
        self.csrf_stand_in = None


# --- pages with a form: the CSRF token's stand-in ----------------------------

# A token's length, so the page's Content-Length holds once it is replaced;
# random, so no text a visitor can write (a question, a group's label) can
# pass for it. Each process has its own, and an entry says which it holds.
_CSRF_STAND_IN = secrets.token_hex(CSRF_TOKEN_LENGTH // 2)


def csrf_token_stand_in(request):
    """Context processor (after Django's own csrf one, which it overrides):
    while PageCacheMiddleware builds an entry for a marked view, csrf_token is
    the stand-in; anywhere else Django's token, untouched."""
    slot = getattr(request, "page_cache", None)
    if slot is None or slot.group is _Slot.UNMARKED or settings.CSRF_USE_SESSIONS:
        return {}

    def shown():
        # Only once the template shows it: a page without a form stays a page
        # that sets no cookie.
        slot.csrf_stand_in = _CSRF_STAND_IN
        return _CSRF_STAND_IN

    return {"csrf_token": SimpleLazyObject(shown)}


# Only its cookie handling is used, never its checks: a GET needs none.
_csrf_middleware = CsrfViewMiddleware(lambda request: None)

_CSRF_CHAR_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# A random byte at or above this is drawn again: b % 62 of the bytes below it
# gives every character the same chance (248 = 4 x 62).
_CSRF_UNBIASED_BELOW = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def random_csrf_string(length=CSRF_SECRET_LENGTH):
    """What Django's own secrets and masks are (get_random_string: characters
    of CSRF_ALLOWED_CHARS, each equally likely, from the system's CSPRNG), from
    one os.urandom call instead of one per character: on a hit of a page with
    a form those 64 calls and their Python loop were most of the page's cost
    (about 85 us per response under mod_wsgi's libpython, 12 us this way)."""
    chars = CSRF_ALLOWED_CHARS
    picked = []
    while len(picked) < length:
        picked += [chars[b % len(chars)] for b in secrets.token_bytes(length + length // 4) if b < _CSRF_UNBIASED_BELOW]
    return "".join(picked[:length])


def visitor_csrf_token(request):
    """django.middleware.csrf.get_token(request), with its randomness from
    random_csrf_string: the visitor's secret (the cookie that
    CsrfViewMiddleware.process_request read, or a new one, which the response
    then sets), masked afresh for this response, in Django's format (mask,
    then each secret character shifted by the mask's), so Django's own check
    accepts it on the POST."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = random_csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_csrf_string()
    index, chars = _CSRF_CHAR_INDEX, CSRF_ALLOWED_CHARS
    return mask + "".join(chars[(index[s] + index[m]) % len(chars)] for s, m in zip(secret, mask, strict=True))


def fill_csrf_token(request, response, stand_in):
    """Put a token of this visitor's own where the stand-in is, and set the
    CSRF cookie, exactly as CsrfViewMiddleware does for a page that shows a
    token: the visitor's secret (from their cookie, or a new one), masked
    afresh for every response."""
    _csrf_middleware.process_request(request)
    token = visitor_csrf_token(request)
    response.content = response.content.replace(stand_in.encode(), token.encode())
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    _csrf_middleware.process_response(request, response)
    # The body holds this visitor's token: no shared cache may hand it on.
    patch_cache_control(response, private=True)
    return response


def cache_anonymous_page(group=None):
    """Decorator: let PageCacheMiddleware keep the view's page for anonymous GETs.

    group: "polls" or "orgs", the data the page shows (the entry counts only
    while that group's generation is unchanged); None for a page that changes
    only with the code (home).
    """
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown page cache group {group!r}: use one of {GROUPS}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            slot = getattr(request, "page_cache", None)
            if slot is not None:
                slot.group = group
                if group is not None:
                    # Read before the view reads its data: a change made while
                    # the page is built bumps past it, and the entry is stale.
                    slot.generation = slot.generations.get(group) or current_generation(group)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class PageCacheMiddleware:
    """First in MIDDLEWARE: answers anonymous GETs of marked views from the
    cache, and keeps their responses as the other middleware left them."""

    # Paths whose view is not marked, remembered per process so that their
    # GETs (/healthz, the dashboard, the runtime page) do not pay a cache
    # round trip that can never hit. Which view a path reaches is fixed by
    # the code, so nothing goes stale; the set is emptied when it reaches
    # this size, which bounds its memory whatever paths are asked for.
    UNMARKED_PATHS_MAX = 10_000

    def __init__(self, get_response):
        self.get_response = get_response
        self.generation_keys = {group: generation_key(group) for group in GROUPS}
        self.unmarked_paths = set()

    def __call__(self, request):
        if request.path_info in self.unmarked_paths or not is_anonymous_get(request) or page_cache_seconds() <= 0:
            return self.get_response(request)
        key = page_key(request, translation.get_language_from_request(request))
        found = cache.get_many([key, *self.generation_keys.values()])
        generations = {group: found.get(gen_key) for group, gen_key in self.generation_keys.items()}
        entry = found.get(key)
        if entry is not None:
            generation, (group, response, csrf_stand_in, fresh_until) = entry
            current = group is None or generations.get(group) == generation
            if current and (time.time() < fresh_until or not claim_rebuild(key)):
                return fill_csrf_token(request, response, csrf_stand_in) if csrf_stand_in else response
        request.page_cache = slot = _Slot(generations)
        response = self.get_response(request)
        if slot.group is _Slot.UNMARKED:
            if len(self.unmarked_paths) >= self.UNMARKED_PATHS_MAX:
                self.unmarked_paths.clear()
            self.unmarked_paths.add(request.path_info)
        elif is_cacheable(request, response):
            timeout = min(page_cache_seconds(), getattr(response, "page_cache_timeout", page_cache_seconds()))
            if timeout > 0:
                page = (slot.group, response, slot.csrf_stand_in, time.time() + timeout)
                set_with_generation(key, slot.generation, page, timeout + REBUILD_SECONDS)
        # Stored (pickled) before this: the entry keeps the stand-in, and
        # this response gets its token like a hit's.
        return fill_csrf_token(request, response, slot.csrf_stand_in) if slot.csrf_stand_in else response
