"""mod_wsgi's own metrics on the deployed runtime page (daemon mode)."""

import pytest
import requests

pytestmark = pytest.mark.deploy


def test_runtime_json_has_real_mod_wsgi_metrics(deployed_site):
    for _ in range(10):
        assert requests.get(deployed_site.url("/polls/"), timeout=10).status_code == 200
    data = requests.get(deployed_site.url("/runtime/json"), timeout=10).json()
    metrics = data["metrics"]
    assert metrics is not None, "mod_wsgi records no metrics (start_recording_metrics not called?)"
    assert metrics["pid"] == data["pid"]
    assert metrics["requests_total"] >= 1  # this very request at least
    assert metrics["threads_maximum"] == data["threads_per_process"]
    assert 1 <= metrics["threads_busy"] <= metrics["threads_maximum"]
    assert 0 <= metrics["capacity_utilization"] <= 1
    assert metrics["memory_rss_mb"] > 10  # a process with Django loaded
    assert metrics["memory_max_rss_mb"] >= metrics["memory_rss_mb"] * 0.5
    assert metrics["cpu_seconds"] > 0


def test_runtime_page_shows_the_metrics(deployed_site):
    html = requests.get(deployed_site.url("/runtime/"), timeout=10).text
    assert 'data-metric="capacity_utilization"' in html
    assert 'id="wsgi-metrics-none"' not in html
    script = requests.get(deployed_site.url("/runtime/"), timeout=10).text.split("runtime/live")[1].split('"')[0]
    assert requests.get(deployed_site.url("/static/runtime/live" + script), timeout=10).status_code == 200


def test_services_dashboard_shows_the_metrics_too(deployed_site):
    html = requests.get(deployed_site.url("/services/"), timeout=10).text
    assert 'data-metric="capacity_utilization"' in html and 'data-metric="threads_busy"' in html
    assert 'id="wsgi-metrics-none"' not in html
    assert "runtime/live" in html
