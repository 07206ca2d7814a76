"""Fixtures shared by the deployment tests (tests/deploy, tests/services).

`deployed_site` deploys the whole stack to this machine with the README's own
deploy command (scripts/deploy, i.e. the Ansible playbook against localhost)
once per test session, then hands out the URL and the generated admin
credentials. Set POLLS_TEST_SKIP_DEPLOY=1 to test a stack that is already
deployed (quicker while developing; CI always deploys).
"""

import os

import pytest

from deploylib import (
    ADMIN_PASSWORD_FILE,
    BASE_URL,
    CA_CERT,
    DeployedSite,
    assert_playbook_ok,
    run_playbook,
    wait_for_http,
)


@pytest.fixture(scope="session")
def deployed_site():
    first_run = None
    if os.environ.get("POLLS_TEST_SKIP_DEPLOY") != "1":
        first_run = run_playbook(name="deploy-daemon")
        assert_playbook_ok(first_run)
    # Every requests call of the tests verifies the site's certificate against
    # the local CA the playbook made (requests reads REQUESTS_CA_BUNDLE).
    assert CA_CERT.is_file(), f"{CA_CERT} is missing: the playbook did not make the local CA"
    os.environ["REQUESTS_CA_BUNDLE"] = str(CA_CERT)
    base_url = BASE_URL
    wait_for_http(base_url + "/")
    password = ADMIN_PASSWORD_FILE.read_text().strip()
    return DeployedSite(base_url, "admin", password, first_run)


def pytest_collection_modifyitems(config, items):
    """Run the checks that need Debian's apache2 after the tests of this
    machine's stack (the deploy installs Apache: nothing installs it before
    the httpd role does), then the mode-switching tests (they restart Apache
    in the other mode, and back), and the machines of the labs (tests/vagrant,
    tests/fleet) after all of them."""

    def order(item):
        in_lab = item.get_closest_marker("vagrant") is not None or item.get_closest_marker("fleet") is not None
        return (
            in_lab,
            item.get_closest_marker("mode_switch") is not None,
            item.get_closest_marker("needs_apache") is not None,
        )

    items.sort(key=order)
