"""health.cached_services: stale-while-revalidate, one refresh at a time, no
request ever waits for a check once a result exists."""

import threading
import time

import pytest

from services import health


@pytest.fixture(autouse=True)
def _clear():
    health.clear_cache()
    yield
    # Let a refresh still blocked in a test finish before the next test.
    with health._lock:
        running = health._cache["refreshing"]
    if running is not None:
        running.wait(5)
    health.clear_cache()


class SlowChecks:
    """A fake check_services: counts its calls and blocks until released."""

    def __init__(self):
        self.calls = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
            n = self.calls
        assert self.release.wait(5), "never released"
        return [{"key": "redis", "ok": True, "round": n}]


def test_first_call_waits_for_the_one_refresh(monkeypatch):
    fake = SlowChecks()
    monkeypatch.setattr(health, "check_services", fake)
    results = []
    threads = [threading.Thread(target=lambda: results.append(health.cached_services())) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    fake.release.set()
    for t in threads:
        t.join(5)
    assert fake.calls == 1
    assert [r[0]["round"] for r in results] == [1] * 8


def test_stale_result_is_served_at_once_while_one_refresh_runs(monkeypatch):
    fake = SlowChecks()
    fake.release.set()
    monkeypatch.setattr(health, "check_services", fake)
    assert health.cached_services()[0]["round"] == 1
    fake.release.clear()  # the next refresh hangs until released

    answers = [health.cached_services(max_age=0) for _ in range(50)]
    # All answered from the stale result while the refresh is still blocked:
    # none of them waited for it.
    with health._lock:
        assert health._cache["refreshing"] is not None
    assert [a[0]["round"] for a in answers] == [1] * 50
    assert fake.calls == 2  # one refresh for all fifty

    fake.release.set()
    with health._lock:
        running = health._cache["refreshing"]
    if running is not None:
        running.wait(5)
    assert health.cached_services()[0]["round"] == 2


def test_fresh_result_is_reused_without_a_refresh(monkeypatch):
    fake = SlowChecks()
    fake.release.set()
    monkeypatch.setattr(health, "check_services", fake)
    first = health.cached_services()
    assert health.cached_services() is first
    assert fake.calls == 1


def test_a_failing_refresh_keeps_the_last_result(monkeypatch):
    fake = SlowChecks()
    fake.release.set()
    monkeypatch.setattr(health, "check_services", fake)
    first = health.cached_services()

    def boom():
        raise RuntimeError("down")

    monkeypatch.setattr(health, "check_services", boom)
    assert health.cached_services(max_age=0) is first
    with health._lock:
        running = health._cache["refreshing"]
    if running is not None:
        running.wait(5)
    assert health.cached_services(max_age=0) is first
