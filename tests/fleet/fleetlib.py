"""Helpers of the multi-host lab tests: the lab's addresses, its machines
over SSH, playbook runs against it, and the durations of each phase."""

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploylib import PlaybookRun, run_logged
from phase_timing import step

REPO_ROOT = Path(__file__).resolve().parents[2]
FLEET = REPO_ROOT / "tests" / "fleet" / "fleet"
STATE = Path(os.environ.get("POLLS_FLEET_DIR", "/var/lib/polls-fleet"))
LOG_DIR = Path(os.environ.get("POLLS_TEST_LOG_DIR", "/tmp/polls-test-logs"))
# Everything over HTTPS: the load balancer terminates TLS and re-encrypts to
# the web servers; plain HTTP only redirects.
LB_URL = "https://10.77.0.11"
LB_HTTP_URL = "http://10.77.0.11"
WEB_URLS = {"web1": "https://10.77.0.21", "web2": "https://10.77.0.22"}
# Each machine that serves HTTPS has a CA of its own that signed its
# certificate (the local_ca role): the tests trust exactly these.
CA_CERTS = {"lb": "/etc/haproxy/tls/ca.crt", "web1": "/etc/apache2/tls/ca.crt", "web2": "/etc/apache2/tls/ca.crt"}
CA_BUNDLE = LOG_DIR / "fleet-ca-bundle.pem"
phase = functools.partial(step, "multi-host lab: phases")


@dataclass
class Fleet:
    first_run: PlaybookRun

    def ssh(self, machine, command, check=True, timeout=120):
        result = subprocess.run([str(FLEET), "ssh", machine, command], capture_output=True, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, f"{machine}: {command}\n{result.stdout}{result.stderr}"
        return result

    def provision(self, *args, name="provision"):
        return provision(*args, name=name)

    def ca_certificate(self, machine):
        """The certificate of the local CA that signed the machine's certificate (PEM)."""
        pem = self.ssh(machine, f"cat {CA_CERTS[machine]}").stdout
        assert pem.startswith("-----BEGIN CERTIFICATE-----"), (machine, pem[:200])
        return pem

    def write_ca_bundle(self, path=CA_BUNDLE):
        """Every lab CA in one file, for requests' verify= (REQUESTS_CA_BUNDLE)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(self.ca_certificate(machine) for machine in CA_CERTS))
        return path

    def admin_password(self):
        return (STATE / "secrets" / "admin_password").read_text().strip()

    def haproxy_status(self):
        """{server: status} of the web servers as HAProxy sees them (UP, DOWN, MAINT...)."""
        out = self.ssh("lb", "echo 'show stat' | sudo socat stdio /run/haproxy/admin.sock").stdout
        rows = [line.split(",") for line in out.splitlines() if line.startswith("polls_web,")]
        header = out.splitlines()[0].lstrip("# ").split(",")
        status = header.index("status")
        return {row[1]: row[status] for row in rows if row[1] not in ("BACKEND", "FRONTEND")}


def provision(*args, name="provision"):
    return run_logged([FLEET, "provision", *args], f"fleet-{name}")


def assert_ok(run):
    tail = "\n".join(run.output.splitlines()[-60:])
    assert run.returncode == 0, f"playbook failed (full log: {run.log}):\n{tail}"
