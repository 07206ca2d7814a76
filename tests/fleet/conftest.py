"""The multi-host lab for the tests in this directory: five fresh Debian 12
machines with systemd (tests/fleet/fleet up), provisioned over SSH by the
playbook with tests/fleet/inventory, torn down at the end (machines stopped,
bridge removed, package proxies stopped, IP forwarding as before).

POLLS_FLEET_KEEP=1 leaves the machines running after the tests and
POLLS_FLEET_REUSE=1 tests machines already up and provisioned (both for
developing the tests; CI does neither).
"""

import os
import subprocess
import sys

import pytest
from fleetlib import FLEET, LB_URL, REPO_ROOT, Fleet, assert_ok, phase, provision

from deploylib import DeployedSite

# The deployed-API tests of tests/services run here too, against the load balancer.
sys.path.insert(0, str(REPO_ROOT / "tests" / "services"))


def trusting_the_lab(lab):
    """Every requests call of the tests verifies the lab's certificates against
    the CAs of the load balancer and the web servers (requests reads
    REQUESTS_CA_BUNDLE as its verify=)."""
    os.environ["REQUESTS_CA_BUNDLE"] = str(lab.write_ca_bundle())
    return lab


@pytest.fixture(scope="session")
def fleet():
    if os.environ.get("POLLS_FLEET_REUSE") == "1":
        yield trusting_the_lab(Fleet(first_run=None))
        return
    try:
        with phase("boot 5 machines (fleet up)"):
            subprocess.run([str(FLEET), "up"], check=True, timeout=600)
        with phase("provision (site.yml, forks 5)"):
            first = provision(name="first")
        assert_ok(first)
        yield trusting_the_lab(Fleet(first_run=first))
    finally:
        if os.environ.get("POLLS_FLEET_KEEP") != "1":
            with phase("teardown (fleet down)"):
                subprocess.run([str(FLEET), "down"], check=False, timeout=300)


@pytest.fixture(scope="session")
def deployed_site(fleet):
    """The site as tests/services sees it: here, through the load balancer."""
    return DeployedSite(LB_URL, "admin", fleet.admin_password(), fleet.first_run)
