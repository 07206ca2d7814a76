"""Each backing service can be turned off by a variable; the site then says
"not configured" instead of failing. Runs with the mode-switching tests at the
end (it redeploys), and always redeploys with every service back on.
"""

import json

import pytest
import requests

from deploylib import assert_playbook_ok, run_playbook, wait_for_http

pytestmark = [pytest.mark.deploy, pytest.mark.mode_switch]

OFF = {"polls_use_redis": False, "polls_use_rabbitmq": False, "polls_use_mongodb": False, "polls_use_swift": False}


def test_services_turned_off_are_reported_not_configured(deployed_site):
    try:
        run = run_playbook("-e", json.dumps(OFF), name="deploy-services-off")
        assert_playbook_ok(run)
        wait_for_http(deployed_site.url("/"))

        health = requests.get(deployed_site.url("/healthz"), timeout=10)
        assert health.status_code == 200
        services = health.json()["services"]
        assert services["database"]["ok"] is True
        for key in ("redis", "mongo", "rabbitmq", "swift"):
            assert services[key]["configured"] is False, key
            assert "not configured" in services[key]["detail"], key

        dashboard = requests.get(deployed_site.url("/services/"), timeout=10)
        assert dashboard.status_code == 200 and "Not configured" in dashboard.text

        mongo = requests.get(deployed_site.url("/services/orgs/mongo"), timeout=10)
        assert mongo.status_code == 503 and "not configured" in mongo.json()["detail"]
        assert requests.get(deployed_site.url("/services/orgs/mysql"), timeout=10).status_code == 200
        for path in ("/", "/polls/", "/books/", "/runtime/"):
            assert requests.get(deployed_site.url(path), timeout=10).status_code == 200, path
    finally:
        restore = run_playbook(name="deploy-services-on")
        assert_playbook_ok(restore)

    services = requests.get(deployed_site.url("/healthz"), timeout=10).json()["services"]
    assert all(service["configured"] for service in services.values())


def test_a_non_boolean_switch_fails_early(deployed_site):
    run = run_playbook("-e", "polls_use_redis=no-thanks", "--check", name="deploy-bad-switch")
    assert run.returncode != 0
    assert "polls_use_redis" in run.output
