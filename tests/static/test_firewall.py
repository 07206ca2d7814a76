"""The firewall role's nftables rules, loaded for real, but never on this
machine: each ruleset is rendered with Ansible for a host of a fleet-like
inventory (scripts/render-firewall), checked with `nft -c`, and loaded inside
a network namespace made for the test. Listeners in that namespace answer on
every port; the test connects from the host side (posing as a web server)
and from a second namespace (posing as the load balancer, not a web server)
and sees which ports the rules let through.

    host side  10.78.0.1 (web1) --veth-- 10.78.0.2  target  (db1, web1 or lb1 rules)
    other ns   10.78.2.1 (lb1)  --veth-- 10.78.2.2  target
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDER = REPO_ROOT / "scripts" / "render-firewall"
ANSIBLE_BIN = Path(os.environ.get("POLLS_TOOLS_DIR", "/opt/polls-tools")) / "ansible" / "bin"

PORTS = [22, 80, 443, 3306, 5672, 6379, 8080, 27017, 9999]
WEB_ONLY = {3306, 5672, 6379, 8080, 27017}
TAG = f"pfw{os.getpid() % 100000}"
TARGET, OTHER = f"{TAG}t", f"{TAG}o"
HOST_IP, TARGET_IP, OTHER_IP, TARGET_IP_OTHER_SIDE = "10.78.0.1", "10.78.0.2", "10.78.2.1", "10.78.2.2"

INVENTORY = """
all:
  children:
    web:
      hosts:
        web1: {ansible_host: 10.78.0.1}
        web2: {ansible_host: 10.78.3.1}
    lb:
      hosts:
        lb1: {ansible_host: 10.78.2.1}
    db: {hosts: {db1: {ansible_host: 10.78.0.2}}}
    redis: {hosts: {db1: }}
    rabbitmq: {hosts: {db1: }}
    mongodb: {hosts: {db1: }}
    swift: {hosts: {db1: }}
"""

LISTENER = textwrap.dedent("""
    import selectors, socket, sys
    sel = selectors.DefaultSelector()
    for port in map(int, sys.argv[1:]):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port)); s.listen(64); s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            conn, _ = key.fileobj.accept(); conn.close()
""")

PROBE = textwrap.dedent("""
    import json, socket, sys
    host, ports = sys.argv[1], map(int, sys.argv[2:])
    result = {}
    for port in ports:
        try:
            socket.create_connection((host, port), timeout=0.4).close(); result[port] = True
        except OSError:
            result[port] = False
    print(json.dumps(result))
""")


def sh(*cmd):
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(cmd)}: {result.stderr}"
    return result.stdout


def in_ns(ns, *cmd):
    return sh("ip", "netns", "exec", ns, *cmd)


def open_from_host(ip, ports):
    def probe(port):
        try:
            socket.create_connection((ip, port), timeout=0.4).close()
            return port, True
        except OSError:
            return port, False

    with ThreadPoolExecutor(max_workers=len(ports)) as pool:
        return {port for port, ok in pool.map(probe, ports) if ok}


def open_from_ns(ns, ip, ports):
    found = json.loads(in_ns(ns, sys.executable, "-c", PROBE, ip, *map(str, ports)))
    return {int(port) for port, ok in found.items() if ok}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("firewall")
    inventory = base / "hosts.yml"
    inventory.write_text(INVENTORY)
    out = base / "rules"
    subprocess.run([str(RENDER), "-i", str(inventory), str(out)], check=True, capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def lab():
    """Two namespaces wired to each other and to the host; listeners in the target."""
    routes = sh("ip", "-4", "route")
    assert "10.78." not in routes, "10.78.0.0/16 is in use on this machine; the test needs it"
    processes = []
    try:
        sh("ip", "netns", "add", TARGET)
        sh("ip", "netns", "add", OTHER)
        sh("ip", "link", "add", f"{TAG}h", "type", "veth", "peer", "name", "t0", "netns", TARGET)
        sh("ip", "link", "add", "o0", "netns", OTHER, "type", "veth", "peer", "name", "t2", "netns", TARGET)
        sh("ip", "addr", "add", f"{HOST_IP}/24", "dev", f"{TAG}h")
        sh("ip", "link", "set", f"{TAG}h", "up")
        in_ns(TARGET, "ip", "addr", "add", f"{TARGET_IP}/24", "dev", "t0")
        in_ns(TARGET, "ip", "addr", "add", f"{TARGET_IP_OTHER_SIDE}/24", "dev", "t2")
        in_ns(OTHER, "ip", "addr", "add", f"{OTHER_IP}/24", "dev", "o0")
        for ns, devices in ((TARGET, ["lo", "t0", "t2"]), (OTHER, ["lo", "o0"])):
            for device in devices:
                in_ns(ns, "ip", "link", "set", device, "up")
        for ns, ports in ((TARGET, PORTS), (OTHER, [7000])):
            proc = subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, "-c", LISTENER, *map(str, ports)],
                stdout=subprocess.PIPE,
                text=True,
            )
            processes.append(proc)
            assert proc.stdout.readline().strip() == "ready"
        yield
    finally:
        for proc in processes:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        for ns in (TARGET, OTHER):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", f"{TAG}h"], capture_output=True, check=False)
    assert f"{TAG}" not in sh("ip", "link"), "a veth of the test was left behind"


def load(rules):
    in_ns(TARGET, "nft", "-c", "-f", str(rules))
    in_ns(TARGET, "nft", "-f", str(rules))


def flush():
    in_ns(TARGET, "nft", "flush", "ruleset")


def reach():
    """(ports the host side reaches, ports the other namespace reaches) on the target."""
    return open_from_host(TARGET_IP, PORTS), open_from_ns(OTHER, TARGET_IP_OTHER_SIDE, PORTS)


def test_every_port_answers_without_rules(lab):
    """The control: with no rules every listener answers from both sides."""
    flush()
    assert reach() == (set(PORTS), set(PORTS))


def test_database_host_serves_its_ports_to_web_servers_only(lab, rendered):
    load(rendered / "db1.nft")
    try:
        from_web, from_other = reach()
        assert from_web == WEB_ONLY | {22}
        assert from_other == {22}
        # Loopback always; replies to connections the host opens itself.
        assert open_from_ns(TARGET, "127.0.0.1", PORTS) == set(PORTS)
        assert open_from_ns(TARGET, OTHER_IP, [7000]) == {7000}
    finally:
        flush()


@pytest.mark.parametrize("host", ["web1", "lb1"])
def test_web_servers_and_load_balancer_serve_http_https_and_ssh(lab, rendered, host):
    load(rendered / f"{host}.nft")
    try:
        assert reach() == ({22, 80, 443}, {22, 80, 443})
        assert open_from_ns(TARGET, OTHER_IP, [7000]) == {7000}
    finally:
        flush()


def test_a_reload_replaces_the_table_atomically(lab, rendered):
    load(rendered / "db1.nft")
    load(rendered / "db1.nft")
    try:
        tables = in_ns(TARGET, "nft", "list", "tables").split()
        assert tables.count("polls_firewall") == 1
        assert open_from_host(TARGET_IP, [3306]) == {3306}
    finally:
        flush()


def test_a_service_turned_off_is_not_opened(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(INVENTORY)
    subprocess.run(
        [str(RENDER), "-i", str(inventory), str(tmp_path / "rules"), "-e", '{"polls_use_swift": false}'],
        check=True,
        capture_output=True,
        text=True,
    )
    rules = (tmp_path / "rules" / "db1.nft").read_text()
    assert "{ 3306, 5672, 6379, 27017 }" in rules and "8080" not in rules


def test_this_machine_and_the_vm_never_get_the_firewall():
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible" / "ansible.cfg")}
    for inventory, host in (("local", "localhost"), ("vagrant", "polls-vm")):
        result = subprocess.run(
            [str(ANSIBLE_BIN / "ansible-inventory"), "-i", f"inventories/{inventory}/hosts.yml", "--host", host],
            cwd=REPO_ROOT / "ansible",
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert json.loads(result.stdout).get("firewall_enabled") is False, inventory


def test_ipv6_addresses_and_prefixes_of_web_servers(lab, tmp_path):
    """Web servers given as IPv6 addresses and CIDR prefixes (overlapping ones
    merged) load too; the prefix covers the host side, not the other side."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(INVENTORY)
    addresses = '{"firewall_web_addresses": ["10.78.0.0/24", "10.78.0.1", "fd00:78::1", "fd00:79::/64"]}'
    subprocess.run(
        [str(RENDER), "-i", str(inventory), str(tmp_path / "rules"), "-l", "db1", "-e", addresses],
        check=True,
        capture_output=True,
        text=True,
    )
    rules = tmp_path / "rules" / "db1.nft"
    assert "ip6 saddr @web_v6" in rules.read_text()
    load(rules)
    try:
        from_web, from_other = reach()
        assert from_web == WEB_ONLY | {22} and from_other == {22}
    finally:
        flush()
