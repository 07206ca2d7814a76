"""The main database (MariaDB) stopped under the DEPLOYED site: a page in the
page cache is still served from it; any other answers 503 with Retry-After in
the site's look, JSON for the API and Accept: application/json, no traceback
anywhere (answers and logs), one log line per failed request; then MariaDB
started again and the site recovers without any restart (same Apache
parent). MariaDB is always started again (services_site.stopped)."""

import time
from pathlib import Path

import pytest
import requests

from deploylib import apache_pid, wait_until
from services_site import port_open, stopped

pytestmark = pytest.mark.deploy

LOGS = [Path("/var/log/apache2/polls-error.log"), Path("/var/log/apache2/error.log"), Path("/var/log/polls/mysite.log")]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
REQUESTS = 6  # enough to reach both daemon processes and several threads


def log_sizes():
    return {path: path.stat().st_size if path.exists() else 0 for path in LOGS}


def new_log_text(sizes):
    text = ""
    for path, size in sizes.items():
        if path.exists():
            with path.open("rb") as f:
                f.seek(size)
                text += f.read().decode("utf-8", "replace")
    return text


def assert_503(response, what):
    assert response.status_code == 503, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers.get("Retry-After", "").isdigit(), f"{what}: no Retry-After"
    assert "Traceback" not in response.text, what


def test_database_outage_is_a_503_and_the_site_recovers_without_a_restart(deployed_site):
    base = deployed_site.base_url
    run = time.time_ns()  # query strings no earlier run has put in the page cache
    cached = requests.get(base + "/polls/", timeout=10)
    assert cached.status_code == 200
    pid_before = apache_pid()
    sizes = log_sizes()
    failed_requests = 0

    with stopped("mariadb", port=3306 if port_open(3306) else None):
        # An anonymous page already in the page cache needs no database.
        still = requests.get(base + "/polls/", timeout=20)
        assert still.status_code == 200 and still.text == cached.text

        # Every other URL (a query string is part of the cache key) needs it.
        for attempt in range(REQUESTS):
            miss = f"?outage={run}-{attempt}"
            page = requests.get(base + "/polls/" + miss, headers=BROWSER, timeout=20)
            assert_503(page, "/polls/ for a browser")
            assert page.headers["Content-Type"].startswith("text/html")
            assert 'class="site-header"' in page.text and "/static/css/site." in page.text

            as_json = requests.get(base + "/polls/" + miss, headers=JSON, timeout=20)
            assert_503(as_json, "/polls/ with Accept: application/json")
            assert set(as_json.json()) == {"detail"}

            api = requests.get(base + "/services/orgs/mysql" + miss, timeout=20)
            assert_503(api, "the org chart API (mysql store)")
            assert api.headers["Content-Type"].startswith("application/json")
            assert set(api.json()) == {"detail"}
            failed_requests += 3

        health = requests.get(base + "/healthz", timeout=20)
        assert health.status_code == 503
        failed_requests_logged = new_log_text(sizes)

    # Recovery: the very same Apache, no restart, no reload.
    # Answered by the database, not the cache (a new query string).
    wait_until(
        lambda: requests.get(base + f"/polls/?recovered={run}", timeout=10).status_code == 200,
        timeout=60,
        what="/polls/ to answer 200 again",
    )
    assert requests.get(base + f"/services/orgs/mysql?recovered={run}", timeout=10).status_code == 200
    assert requests.get(base + "/healthz", timeout=10).status_code == 200
    assert apache_pid() == pid_before

    # The logs: one line per failed request, and not a single traceback.
    assert "Traceback" not in failed_requests_logged
    outage_lines = [line for line in failed_requests_logged.splitlines() if "main database unavailable" in line]
    # Django's log goes to mysite.log and to Apache's error log (stderr): one line in each.
    assert failed_requests <= len(outage_lines) <= 2 * failed_requests, failed_requests_logged[-3000:]
    assert "Internal Server Error" not in failed_requests_logged
