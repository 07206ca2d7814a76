"""The original sample's mocha REST flow (tests/sample_flow.py) against the
DEPLOYED site, on both stores: MariaDB and nx-27017, with RabbitMQ notices."""

import pytest

from api_client import ApiClient
from sample_flow import Flow

pytestmark = pytest.mark.deploy


@pytest.mark.parametrize("store", ["mysql", "mongo"])
def test_the_sample_rest_flow_passes_on_the_deployed_site(deployed_site, store):
    client = ApiClient(deployed_site.base_url)
    client.login(deployed_site.admin_user, deployed_site.admin_password)
    flow = Flow(client, store)
    try:
        flow.run()
    finally:
        if flow.org_id:
            client.delete(f"orgs/{flow.org_id}/{store}")  # a 404 when the flow got that far
    assert flow.steps[-1] == "delete group"
    # The org's first change notice (creating an org publishes none) ...
    assert flow.status["status"] == "ORG_UPDATED"
    # ... then the rest, in order, until the deleted org has none left (404).
    remaining = []
    for _ in range(20):
        response = client.get(f"org-chart/{flow.org_id}/status/{store}")
        if response.status_code == 404:
            break
        assert response.status_code == 200, response.text
        if response.json()["status"] == "NO_CHANGES":
            break
        remaining.append(response.json()["status"])
    assert remaining == ["GROUP_ADDED", "GROUP_UPDATED", "ORG_DELETED"]
