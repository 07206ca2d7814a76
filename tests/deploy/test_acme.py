"""ACME, for real, against a private ACME CA on loopback: Pebble (Let's
Encrypt's test server, Debian's `pebble` package) with its mock DNS server
answering 127.0.0.1 for every name.

The deployment is switched to httpd_tls_source=acme for a name of its own;
mod_md registers an account, answers Pebble's challenge on this machine's
port 80 or 443, and fetches the certificate in the background. Its
MDMessageCmd leaves a note; the cron job's command (run here as cron would)
restarts Apache gracefully once, and the site is then served with a
certificate that chains to Pebble's root. The deployment is then switched
back to its local CA.

Marked mode_switch: it reconfigures the running stack, so it runs after the
other tests of this machine's stack (tests/conftest.py).
"""

import json
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests

from deploylib import LOG_DIR, assert_playbook_ok, run_playbook, wait_for_http, wait_until
from processes import stop

pytestmark = [pytest.mark.deploy, pytest.mark.mode_switch]

NAME = "polls-acme.example.com"
DIRECTORY = "https://127.0.0.1:14000/dir"
MANAGEMENT = "https://127.0.0.1:15000"
# Apache's own user reads the CA file (mod_md talks to the ACME CA from a
# child process), so it lives outside pytest's root-only temporary directory.
WORK = Path("/var/lib/polls-acme-test")
NOTE = Path("/var/lib/polls-acme/activate")
ACTIVATE = Path("/usr/local/sbin/polls-acme-activate")
CRON_FILE = Path("/etc/cron.d/polls-acme-activate")
# mod_md's store (accounts, certificates): emptied before and after, so that
# a certificate or account from an earlier run's Pebble is never reused.
MD_STORE = Path("/etc/apache2/md")


def start(command, log_name, env=None):
    log = open(LOG_DIR / log_name, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env), log


@pytest.fixture(scope="module")
def pebble():
    for tool in ("pebble", "pebble-challtestsrv"):
        assert shutil.which(tool), f"{tool} is missing: scripts/test installs Debian's pebble package"
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(mode=0o755, parents=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    # The ACME directory's own HTTPS certificate (self-signed; mod_md is told
    # to trust exactly it through httpd_tls_acme_ca_file).
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        + ["-keyout", str(WORK / "key.pem"), "-out", str(WORK / "cert.pem"), "-days", "2"]
        + ["-subj", "/CN=pebble on loopback", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    (WORK / "cert.pem").chmod(0o644)
    (WORK / "pebble.json").write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": "127.0.0.1:14000",
                    "managementListenAddress": "127.0.0.1:15000",
                    "certificate": str(WORK / "cert.pem"),
                    "privateKey": str(WORK / "key.pem"),
                    "httpPort": 80,
                    "tlsPort": 443,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    dns, dns_log = start(
        ["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:8053"]
        + ["-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:8055"],
        "pebble-dns.log",
    )
    # No random sleeps before validating, no good nonce refused on purpose.
    env = {"PATH": "/usr/bin:/bin", "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    ca, ca_log = start(
        ["pebble", "-config", str(WORK / "pebble.json"), "-dnsserver", "127.0.0.1:8053"], "pebble.log", env
    )
    try:
        wait_until(
            lambda: requests.get(DIRECTORY, verify=WORK / "cert.pem", timeout=5).ok,
            timeout=30,
            what="Pebble's ACME directory",
        )
        yield WORK / "cert.pem"
    finally:
        stop(ca)
        stop(dns)
        ca_log.close()
        dns_log.close()
        shutil.rmtree(WORK, ignore_errors=True)


def served_certificate(context):
    """The certificate Apache serves for NAME (verified by `context`), and the
    status line of /healthz asked for over that connection."""
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=NAME) as tls:
            tls.sendall(f"GET /healthz HTTP/1.1\r\nHost: {NAME}\r\nConnection: close\r\n\r\n".encode())
            status = tls.recv(4096).split(b"\r\n", 1)[0].decode()
            return tls.getpeercert(), status


def issuer(cert):
    return dict(part[0] for part in cert["issuer"])["commonName"]


def test_certificate_from_an_acme_ca_is_obtained_activated_and_served(deployed_site, pebble):
    acme = [
        "-e",
        "httpd_tls_source=acme",
        "-e",
        f"httpd_tls_acme_directory={DIRECTORY}",
        "-e",
        f"httpd_tls_acme_ca_file={pebble}",
        "-e",
        "httpd_tls_acme_email=webmaster@example.com",
        "-e",
        f"polls_app_server_name={NAME}",
        "-e",
        f"httpd_server_name={NAME}",
    ]
    NOTE.unlink(missing_ok=True)
    shutil.rmtree(MD_STORE, ignore_errors=True)
    try:
        run = run_playbook(*acme, name="deploy-acme")
        assert_playbook_ok(run)
        assert f"*/10 * * * * root {ACTIVATE}" in CRON_FILE.read_text()

        started = time.monotonic()
        wait_until(NOTE.exists, timeout=240, interval=2, what="mod_md to get a certificate and say 'renewed'")
        obtained = time.monotonic() - started
        # What root's cron job does at its next check.
        activated = subprocess.run([str(ACTIVATE)], capture_output=True, text=True, check=False)
        assert activated.returncode == 0, activated.stderr
        assert "restarted gracefully" in activated.stdout
        assert not NOTE.exists()

        roots = requests.get(f"{MANAGEMENT}/roots/0", verify=pebble, timeout=10)
        assert roots.ok and roots.text.startswith("-----BEGIN CERTIFICATE-----")
        context = ssl.create_default_context(cadata=roots.text)
        # The graceful restart finishes in the background: new children may
        # still be starting.
        cert, status = wait_until(
            lambda: served_certificate(context), timeout=60, what="Apache to serve the ACME certificate"
        )
        print(f"\nACME certificate from Pebble: obtained {obtained:.0f} s after the deploy; issuer {issuer(cert)!r}")
        assert "Pebble" in issuer(cert)
        assert ("DNS", NAME) in cert["subjectAltName"]
        assert status == "HTTP/1.1 200 OK", status
        # Nothing to activate: the job leaves Apache alone.
        again = subprocess.run([str(ACTIVATE)], capture_output=True, text=True, check=False)
        assert again.returncode == 0 and again.stdout == "", again.stdout
    finally:
        back = run_playbook(name="deploy-local-ca-again")
        shutil.rmtree(MD_STORE, ignore_errors=True)
        assert_playbook_ok(back)
    assert not CRON_FILE.exists()
    modules = subprocess.run(["apache2ctl", "-M"], capture_output=True, text=True, check=True).stdout
    assert "md_module" not in modules
    wait_for_http(deployed_site.url("/"))
    # Verified against the local CA again (REQUESTS_CA_BUNDLE).
    assert requests.get(deployed_site.url("/healthz"), timeout=10).status_code == 200
