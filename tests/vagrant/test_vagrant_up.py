"""The teaching VM: `vagrant up` provisions the whole stack in a fresh Debian 12
machine with systemd (vagrant-lxc here), and the site answers on the private
address and through the forwarded port; `POLLS_WSGI_MODE=embedded vagrant
provision` switches modes and a further `vagrant provision` changes nothing.

The tests run in file order against one machine (the session fixture
`vagrant_vm` in conftest.py), which is destroyed at the end.
"""

import re

import pytest
import requests

from deploylib import DeployedSite, admin_session, wait_for_http

pytestmark = pytest.mark.vagrant
TIMEOUT = 30


def runtime(base_url):
    return requests.get(base_url + "/runtime/json", timeout=TIMEOUT).json()


@pytest.fixture(scope="module")
def site(vagrant_vm):
    vagrant_vm.up.assert_ok()
    recap = vagrant_vm.up.recap()
    assert recap["failed"] == 0 and recap["unreachable"] == 0, recap
    wait_for_http(vagrant_vm.guest_url + "/")
    password = vagrant_vm.ssh("sudo cat /etc/polls/admin-password").strip().splitlines()[-1]
    return DeployedSite(vagrant_vm.guest_url, "admin", password, None)


def test_vagrant_up_provisioned_the_guest_with_systemd(vagrant_vm, site):
    assert vagrant_vm.ssh("cat /proc/1/comm").strip().splitlines()[-1] == "systemd"
    # Every unit came up: a failed one means a systemd branch of a role is wrong.
    state = vagrant_vm.ssh("systemctl is-system-running || systemctl --failed --no-legend")
    assert "running" in state.splitlines()[0], state


@pytest.mark.parametrize("path", ["/", "/polls/", "/books/", "/runtime/", "/admin/login/"])
def test_pages_answer_on_the_private_address(site, path):
    response = requests.get(site.url(path), timeout=TIMEOUT)
    assert response.status_code == 200, f"{path}: {response.status_code}"


def test_the_forwarded_port_reaches_the_guest(vagrant_vm, site):
    """Port 80 of the guest: /healthz answers there over plain HTTP (for load
    balancers and monitors); everything else redirects to HTTPS."""
    port = vagrant_vm.forwarded_port()
    health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=TIMEOUT)
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    home = requests.get(f"http://127.0.0.1:{port}/polls/", timeout=TIMEOUT, allow_redirects=False)
    assert home.status_code == 301 and home.headers["Location"] == "https://127.0.0.1/polls/"


def test_the_private_address_redirects_to_https(site):
    response = requests.get(site.url("/polls/").replace("https://", "http://"), timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 301 and response.headers["Location"] == site.url("/polls/")
    assert "Strict-Transport-Security" in requests.get(site.url("/"), timeout=TIMEOUT).headers


def test_admin_login_with_the_generated_password(site):
    page = admin_session(site).get(site.url("/admin/"), timeout=TIMEOUT)
    assert "Site administration" in page.text


def test_services_dashboard_shows_every_service_up(site):
    health = requests.get(site.url("/healthz"), timeout=TIMEOUT)
    assert health.status_code == 200, health.text
    services = health.json()["services"]
    configured = {key: s for key, s in services.items() if s["configured"]}
    # The Vagrant inventory configures the whole stack.
    assert set(configured) == {"database", "redis", "mongo", "rabbitmq", "swift"}, services
    down = {key: s["detail"] for key, s in configured.items() if not s["ok"]}
    assert not down, f"services down in the VM: {down}"
    status = requests.get(site.url("/services/status.json"), timeout=TIMEOUT).json()
    assert all(s["ok"] for s in status["services"] if s["configured"]), status
    dashboard = requests.get(site.url("/services/"), timeout=TIMEOUT)
    assert dashboard.status_code == 200
    for service in configured.values():
        assert service["version"] and service["version"] in dashboard.text


def test_daemon_mode_after_vagrant_up(site):
    info = runtime(site.base_url)
    assert info["mode"] == "daemon"
    assert info["process_group"]


def test_vagrant_provision_switches_to_embedded_mode(vagrant_vm, site):
    run = vagrant_vm.vagrant("provision", name="provision-embedded", extra_env={"POLLS_WSGI_MODE": "embedded"})
    run.assert_ok()
    assert run.recap()["failed"] == 0
    wait_for_http(site.url("/"))
    info = runtime(site.base_url)
    assert info["mode"] == "embedded"
    assert info["process_group"] == ""
    assert requests.get(site.url("/polls/"), timeout=TIMEOUT).status_code == 200


def test_vagrant_provision_again_changes_nothing(vagrant_vm, site):
    run = vagrant_vm.vagrant("provision", name="provision-again", extra_env={"POLLS_WSGI_MODE": "embedded"})
    run.assert_ok()
    recap = run.recap()
    assert recap["changed"] == 0, f"changed again: {run.changed_tasks()} (log: {run.log})"
    assert runtime(site.base_url)["mode"] == "embedded"


def test_the_guest_has_no_route_out(vagrant_vm, site):
    """Packages came through the host's proxy only: no default route, no NAT."""
    routes = vagrant_vm.ssh("ip -4 route show default; echo end")
    assert routes.strip().splitlines()[-1] == "end" and "default" not in routes, routes
    assert re.fullmatch(r"0\s*", open("/proc/sys/net/ipv4/ip_forward").read())
