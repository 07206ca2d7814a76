"""The original sample's mocha REST flow, unchanged, on both stores ("mysql" on
the SQLite test database, "mongo" on a real nx-27017): tests/sample_flow.py."""

import pytest

from sample_flow import Flow

pytestmark = pytest.mark.django_db

STEPS = [
    "create org",
    "index org",
    "show org",
    "update org",
    "create group",
    "index group",
    "show group",
    "update group",
    "org-chart",
    "status",
    "delete org",
    "delete group",
]


def test_the_sample_rest_flow_passes(api, store):
    flow = Flow(api, store).run()
    assert flow.steps == STEPS
    # Notices are not configured here: status answers NO_CHANGES.
    assert flow.status["status"] == "NO_CHANGES"
    assert api.get(f"orgs/{store}").json() == {"orgs": []}


def test_the_sample_data_is_readable_anonymously(api, anon, store):
    org_id = api.post(f"orgs/{store}", Flow(api, store).data["org"]).json()["org"]
    assert anon.get(f"orgs/{org_id}/{store}").json()["org"]["url"] == f"mocha.{store}.test.org.home.orl"
