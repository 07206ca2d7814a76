"""What each of the benchmark's main pages costs in Python, in-process.

    /opt/polls-tools/test/bin/python scripts/lib/page_cost.py               # ms per request, every page
    /opt/polls-tools/test/bin/python scripts/lib/page_cost.py --profile polls_index
    /opt/polls-tools/test/bin/python scripts/lib/page_cost.py --pages home healthz --requests 2000

No server, no network, no deployment: Django's WSGI handler is called
directly, the way mod_wsgi and gunicorn call it, with an anonymous GET
without cookies (what wrk sends), on a throwaway SQLite database seeded with
`seed_bulk --fixture` and a few more questions. Every other setting comes
from the environment as in site/mysite/settings.py (locmem cache unless
REDIS_URL is set). It prints the median milliseconds per request over the
batches; --profile prints where one page's time goes (cProfile, cumulative).
The figures are the Python cost of a page; scripts/bench measures the server.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The benchmark's pages (scripts/lib/bench.py), without the two that are not Django.
sys.path.insert(0, str(REPO / "scripts" / "lib"))
sys.path.insert(0, str(REPO / "site"))
from bench import MAIN_PAGES, PAGES  # noqa: E402


def setup_django(db_dir):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_dir}/page_cost.sqlite3"
    os.environ.setdefault("DJANGO_LOG_DIR", str(db_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("seed_bulk", "--fixture", stdout=out)
    call_command("seed_bulk", "--questions", "10", "--groups", "0", stdout=io.StringIO(), stderr=io.StringIO())
    import json

    return json.loads(out.getvalue().strip().splitlines()[-1])


def wsgi_get(handler, path):
    """One anonymous GET through the WSGI handler; returns the status line."""
    from django.test.client import RequestFactory

    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_HOST="localhost")
    environ["wsgi.input"] = io.BytesIO(b"")
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    body = handler(environ, start_response)
    for _ in body:
        pass
    if hasattr(body, "close"):
        body.close()
    return status[0]


def measure(handler, path, requests, batches):
    """Median ms per request over the batches (the first GET warms caches apart)."""
    status = wsgi_get(handler, path)
    if not status.startswith("200"):
        raise SystemExit(f"{path}: {status}")
    per_batch = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(requests):
            wsgi_get(handler, path)
        per_batch.append((time.perf_counter() - started) * 1000 / requests)
    return statistics.median(per_batch)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pages = [p for p in MAIN_PAGES if p in PAGES]
    parser.add_argument("--pages", nargs="+", choices=pages, default=pages)
    parser.add_argument("--requests", type=int, default=300, help="GETs per batch (default 300)")
    parser.add_argument("--batches", type=int, default=5, help="batches per page; the median is printed (default 5)")
    parser.add_argument("--profile", choices=pages, help="print a cProfile of this page instead")
    parser.add_argument("--top", type=int, default=35, help="rows of the profile (default 35)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="page_cost-") as db_dir:
        data = setup_django(db_dir)
        from django.core.handlers.wsgi import WSGIHandler

        handler = WSGIHandler()
        if args.profile:
            path = PAGES[args.profile].format(**data)
            wsgi_get(handler, path)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                wsgi_get(handler, path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
            return
        for name in args.pages:
            path = PAGES[name].format(**data)
            ms = measure(handler, path, args.requests, args.batches)
            print(f"{name:14s} {path:28s} {ms:7.3f} ms/req")


if __name__ == "__main__":
    main()
