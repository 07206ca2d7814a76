"""The multi-host deployment behind HAProxy, on five fresh Debian 12 machines
with systemd (tests/fleet/conftest.py): lb, web1, web2, db, services.

Everything a visitor does goes through the load balancer (10.77.0.11) over
HTTPS; tests that need one web server in particular address it directly
(10.77.0.21/.22), over HTTPS too. Every certificate is verified against the
lab's local CAs (conftest.py).
"""

import json
import re
import shlex
import socket
import ssl
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fleetlib import FLEET, LB_HTTP_URL, LB_URL, WEB_URLS, assert_ok, phase

from api_client import ApiClient
from deploy_bench import recap_by_host
from deploylib import admin_session, changed_site_copy, csrf_from, wait_until
from services_site import png_bytes

pytestmark = pytest.mark.fleet

TIMEOUT = 15
PAGES = [
    "/",
    "/polls/",
    "/books/",
    "/books/book/",
    "/books/author/",
    "/books/publisher/",
    "/runtime/",
    "/runtime/json",
    "/admin/login/",
    "/services/",
    "/services/status.json",
    "/services/manage/login",
    "/healthz",
]


def access_log_lines(fleet, machine, marker):
    """Lines of the machine's Apache access log that mention marker."""
    out = fleet.ssh(machine, f"sudo grep -h {marker} /var/log/apache2/polls-access.log || true").stdout
    return out.splitlines()


def test_second_run_changes_nothing(fleet):
    with phase("second provision (changed=0)"):
        run = fleet.provision(name="second")
    assert_ok(run)
    changed = {host: counters["changed"] for host, counters in recap_by_host(run.output).items()}
    assert set(changed) == {"lb", "web1", "web2", "db", "services"}
    assert all(count == 0 for count in changed.values()), (changed, run.changed_tasks())


def test_every_page_answers_through_the_load_balancer_from_both_web_servers(fleet):
    marker = uuid.uuid4().hex
    for path in PAGES:
        for _ in range(2):  # round robin: each path once from each web server
            response = requests.get(LB_URL + path, params={"probe": marker}, timeout=TIMEOUT)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
    static = re.search(r'href="(/static/[^"]+\.css)"', requests.get(LB_URL + "/polls/", timeout=TIMEOUT).text)
    assert static and requests.get(LB_URL + static.group(1), timeout=TIMEOUT).status_code == 200
    for machine in WEB_URLS:
        assert len(access_log_lines(fleet, machine, marker)) >= len(PAGES) // 2, machine


def test_healthz_reports_every_service_configured_and_ok_from_each_web_server(fleet):
    for machine, url in WEB_URLS.items():
        body = requests.get(url + "/healthz", timeout=TIMEOUT).json()
        assert body["status"] == "ok" and body["overall"] == "ok", (machine, body)
        services = body["services"]
        assert all(s["configured"] and s["ok"] for s in services.values()), (machine, services)
        assert {"database", "redis", "mongo", "rabbitmq", "swift"} <= set(services), services


def test_client_address_comes_from_the_load_balancer_only(fleet):
    """Apache logs the client's address from X-Forwarded-For only when the load
    balancer sent it; a client's own X-Forwarded-For is never believed."""
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    via_lb, direct = uuid.uuid4().hex, uuid.uuid4().hex
    for _ in range(2):
        requests.get(LB_URL + "/healthz", params={"probe": via_lb}, headers=spoofed, timeout=TIMEOUT)
    requests.get(WEB_URLS["web1"] + "/healthz", params={"probe": direct}, headers=spoofed, timeout=TIMEOUT)
    lines = access_log_lines(fleet, "web1", via_lb) + access_log_lines(fleet, "web2", via_lb)
    assert lines and all(line.startswith("10.77.0.1 ") for line in lines), lines  # the host, not lb's .11
    lines = access_log_lines(fleet, "web1", direct)
    assert lines and all(line.startswith("10.77.0.1 ") for line in lines), lines


def test_plain_http_to_the_load_balancer_redirects_to_https(fleet):
    for path in ("/", "/polls/?page=2", "/healthz"):
        response = requests.get(LB_HTTP_URL + path, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 301, (path, response.status_code)
        assert response.headers["Location"] == LB_URL + path, (path, response.headers)
    assert requests.get(LB_HTTP_URL + "/polls/", timeout=TIMEOUT).url == LB_URL + "/polls/"


def test_load_balancer_certificate_is_signed_by_its_own_local_ca(fleet, tmp_path):
    """Only the load balancer's CA is trusted here: the handshake verifies its
    certificate for the site's address, and ALPN offers HTTP/2."""
    lb_ca = tmp_path / "lb-ca.crt"
    lb_ca.write_text(fleet.ca_certificate("lb"))
    context = ssl.create_default_context(cafile=str(lb_ca))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("10.77.0.11", 443), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="10.77.0.11") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3"), tls.version()
        assert tls.selected_alpn_protocol() == "h2"
        issuer = dict(item[0] for item in tls.getpeercert()["issuer"])
    assert issuer["commonName"] == "polls local CA (lb)", issuer
    response = requests.get(LB_URL + "/healthz", verify=str(lb_ca), timeout=TIMEOUT)
    assert response.status_code == 200
    # A web server's CA did not sign it.
    web1_ca = tmp_path / "web1-ca.crt"
    web1_ca.write_text(fleet.ca_certificate("web1"))
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(LB_URL + "/healthz", verify=str(web1_ca), timeout=TIMEOUT)
    # The site's /tls/ page offers the CA visitors need: the load balancer's,
    # whichever web server answers.
    for _ in range(2):
        download = requests.get(LB_URL + "/tls/ca.crt", timeout=TIMEOUT)
        assert download.status_code == 200 and download.content.strip() == lb_ca.read_bytes().strip()


def test_django_sees_requests_through_the_load_balancer_as_https(fleet):
    """Behind the load balancer Django takes the request as HTTPS: no
    redirect of its own (SECURE_SSL_REDIRECT), HSTS and Secure cookies, and
    the CSRF check of HTTPS posts, which insists on a Referer."""
    page = requests.get(LB_URL + "/admin/login/", allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, page.status_code
    assert page.headers["Strict-Transport-Security"].startswith("max-age="), page.headers
    assert page.cookies and all(cookie.secure for cookie in page.cookies), page.cookies
    post = requests.post(LB_URL + "/admin/login/", timeout=TIMEOUT)
    assert post.status_code == 403 and "Referer" in post.text and "CSRF" in post.text


def test_forwarded_proto_is_believed_from_the_load_balancer_only(fleet):
    """X-Forwarded-Proto: http on an HTTPS request makes Django redirect to
    HTTPS if it believes the header: it does from the load balancer, not from
    anyone else; and on plain HTTP a claim of https is believed from nobody."""
    headers = {"X-Forwarded-Proto": "http"}
    direct = requests.get(WEB_URLS["web1"] + "/polls/", headers=headers, allow_redirects=False, timeout=TIMEOUT)
    assert direct.status_code == 200, (direct.status_code, direct.headers)
    from_lb = fleet.ssh(
        "lb",
        "curl -sk -o /dev/null -w '%{http_code} %{redirect_url}' "
        "-H 'X-Forwarded-Proto: http' -H 'Host: 10.77.0.11' https://10.77.0.21/polls/",
    ).stdout
    assert from_lb == "301 https://10.77.0.11/polls/", from_lb
    # Plain HTTP without a Host header reaches Django (Apache's redirect needs
    # the host): a client's "X-Forwarded-Proto: https" must not stop Django
    # from redirecting it to HTTPS.
    with socket.create_connection(("10.77.0.21", 80), timeout=TIMEOUT) as conn:
        conn.sendall(b"GET /polls/ HTTP/1.0\r\nX-Forwarded-Proto: https\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode()
    assert status_line.split()[1] == "301", answer[:500]
    assert b"\r\nLocation: https://10.77.0.11/polls/\r\n" in answer, answer[:500]


def test_vote_through_web1_is_counted_once_and_seen_through_web2(fleet):
    text = f"Fleet question {uuid.uuid4().hex[:8]}"
    created = fleet.ssh(
        "web1",
        "sudo polls-manage shell -c "
        + shlex.quote(
            "from django.utils import timezone; from polls.models import Question; "
            f"q = Question.objects.create(question_text={text!r}, pub_date=timezone.now()); "
            "c = q.choice_set.create(choice_text='Yes'); q.choice_set.create(choice_text='No'); "
            "print(q.pk, c.pk)"
        ),
    ).stdout.split()
    question_id, choice_id = created[-2:]
    try:
        web1 = requests.Session()
        form = web1.get(f"{WEB_URLS['web1']}/polls/{question_id}/", timeout=TIMEOUT)
        assert form.status_code == 200
        vote = web1.post(
            f"{WEB_URLS['web1']}/polls/{question_id}/vote/",
            data={"csrfmiddlewaretoken": csrf_from(form.text), "choice": choice_id},
            headers={"Referer": form.url},
            timeout=TIMEOUT,
        )
        assert vote.status_code == 200 and vote.url.endswith(f"/polls/{question_id}/results/")
        results = requests.get(f"{WEB_URLS['web2']}/polls/{question_id}/results/", timeout=TIMEOUT)
        assert results.status_code == 200
        assert re.search(r"Yes -- 1 vote\b", results.text), results.text
        assert re.search(r"No -- 0 votes\b", results.text), results.text
        votes = fleet.ssh(
            "web2",
            "sudo polls-manage shell -c "
            + shlex.quote(f"from polls.models import Choice; print(Choice.objects.get(pk={choice_id}).votes)"),
        ).stdout.split()[-1]
        assert votes == "1"
    finally:
        fleet.ssh(
            "web1",
            "sudo polls-manage shell -c "
            + shlex.quote(f"from polls.models import Question; Question.objects.filter(pk={question_id}).delete()"),
        )


def test_upload_through_web2_is_served_through_web1(deployed_site):
    web2 = ApiClient(WEB_URLS["web2"])
    web2.login(deployed_site.admin_user, deployed_site.admin_password)
    data = png_bytes(rgb=(200, 30, 90))
    response = web2.upload(data)
    assert response.status_code == 201, response.text
    body = response.json()
    web1 = ApiClient(WEB_URLS["web1"])
    original = web1.get(body["img_path"])
    assert original.status_code == 200 and original.content == data
    thumb = web1.get(body["thumb_img_path"])
    assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")


def test_stats_page_is_on_loopback_behind_a_password(fleet):
    assert fleet.ssh("lb", "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8404/").stdout == "401"
    with pytest.raises(requests.ConnectionError):
        requests.get("http://10.77.0.11:8404/", timeout=5)


def port_states(fleet, machine, targets):
    """{(host, port): "open" | "closed"} as `machine` sees them (3 s per try)."""
    probe = (
        "import socket, sys\n"
        "for target in sys.argv[1:]:\n"
        "    host, port = target.rsplit(':', 1)\n"
        "    try:\n"
        "        socket.create_connection((host, int(port)), timeout=3).close(); print(target, 'open')\n"
        "    except OSError:\n"
        "        print(target, 'closed')\n"
    )
    args = " ".join(f"{host}:{port}" for host, port in targets)
    lines = fleet.ssh(machine, f"python3 -c {shlex.quote(probe)} {args}").stdout.split("\n")
    states = dict(line.split() for line in lines if line.strip())
    assert len(states) == len(targets), lines
    return {(host, port): states[f"{host}:{port}"] for host, port in targets}


def test_service_ports_are_unreachable_from_the_load_balancer(fleet):
    services = [
        ("10.77.1.31", 3306),
        ("10.77.1.32", 6379),
        ("10.77.1.32", 5672),
        ("10.77.1.32", 27017),
        ("10.77.1.32", 8080),
    ]
    from_lb = port_states(fleet, "lb", services)
    assert set(from_lb.values()) == {"closed"}, from_lb
    from_web = port_states(fleet, "web1", services)
    assert set(from_web.values()) == {"open"}, from_web


def test_nothing_listens_beyond_loopback_but_the_private_addresses(fleet):
    private = {
        "lb": {"10.77.0.11"},
        "web1": {"10.77.0.21"},
        "web2": {"10.77.0.22"},
        "db": {"10.77.1.31"},
        "services": {"10.77.1.32"},
    }
    for machine, addresses in private.items():
        out = fleet.ssh(machine, "sudo ss -Hltn").stdout
        for line in out.splitlines():
            local = line.split()[3]
            address, port = local.rsplit(":", 1)
            address = address.strip("[]").split("%")[0]
            if port == "22":
                continue  # SSH, how the machines are managed
            assert address in addresses or address.startswith("127.") or address == "::1", (machine, line)


def test_login_survives_web1_stopping(fleet, deployed_site):
    """Logged in through the load balancer, then web1's Apache stops: the
    session goes on on web2 (sessions are in the database and Redis), no
    request fails once HAProxy's health check has noticed (about 2 s), and
    web1 rejoins by itself when Apache is back."""
    session = admin_session(deployed_site)
    failures, answered = [], []
    stop_at = {}
    done = threading.Event()

    def keep_asking():
        while not done.is_set():
            try:
                response = session.get(LB_URL + "/admin/", timeout=TIMEOUT, allow_redirects=False)
                (answered if response.status_code == 200 else failures).append((time.monotonic(), response.status_code))
            except requests.RequestException as exc:
                failures.append((time.monotonic(), repr(exc)))
            time.sleep(0.02)

    worker = threading.Thread(target=keep_asking)
    worker.start()
    try:
        time.sleep(2)
        stop_at["t"] = time.monotonic()
        fleet.ssh("web1", "sudo systemctl stop apache2")
        wait_until(
            lambda: fleet.haproxy_status().get("web1", "").startswith("DOWN"),
            timeout=15,
            what="HAProxy to take web1 out",
        )
        time.sleep(5)
    finally:
        done.set()
        worker.join(timeout=30)
        fleet.ssh("web1", "sudo systemctl start apache2")
    late = [f for f in failures if f[0] > stop_at["t"] + 4]
    print(f"web1 stopped: {len(answered)} answered, {len(failures)} failed ({len(late)} after the check window)")
    assert not late, late
    assert len([a for a in answered if a[0] > stop_at["t"] + 4]) > 10  # still logged in, on web2
    wait_until(lambda: fleet.haproxy_status().get("web1") == "UP", timeout=30, what="web1 back in the pool")


def test_rolling_deploy_of_a_changed_setting_loses_no_request(fleet):
    """The playbook changes a setting on both web servers, one at a time, each
    out of the pool while it changes, under a steady load through HAProxy."""
    mark = uuid.uuid4().hex[:12]
    results = {"ok": 0, "failed": []}
    lock = threading.Lock()
    done = threading.Event()
    deadline = time.monotonic() + 900  # bounded even if the playbook hangs

    def load():
        with requests.Session() as client:
            while not done.is_set() and time.monotonic() < deadline:
                for path in ("/polls/", "/healthz", "/runtime/json"):
                    try:
                        response = client.get(LB_URL + path, timeout=30)
                        ok = response.status_code == 200
                    except requests.RequestException as exc:
                        ok, response = False, exc
                    with lock:
                        if ok:
                            results["ok"] += 1
                        else:
                            results["failed"].append((path, getattr(response, "status_code", repr(response))))
                    time.sleep(0.02)  # a steady load, not a flood

    def watch_the_pool():
        while not done.is_set() and time.monotonic() < deadline:
            pool_states.append(fleet.haproxy_status())
            time.sleep(0.5)

    pool_states = []
    with ThreadPoolExecutor(max_workers=5) as pool:
        workers = [pool.submit(load) for _ in range(4)] + [pool.submit(watch_the_pool)]
        try:
            with phase("rolling deploy under load"):
                run = fleet.provision(
                    "--limit",
                    "lb:web",
                    "-e",
                    json.dumps({"polls_app_extra_env": {"POLLS_FLEET_MARK": mark}}),
                    name="rolling",
                )
        finally:
            done.set()
            for worker in workers:
                worker.result()
    assert_ok(run)
    print(f"rolling deploy: {results['ok']} requests answered, {len(results['failed'])} failed")
    assert results["failed"] == []
    assert results["ok"] > 100
    for machine in WEB_URLS:
        assert fleet.ssh(machine, "sudo grep -c POLLS_FLEET_MARK=" + mark + " /etc/polls/env").stdout.strip() == "1"
    # One at a time: each web server was out of the pool at some point, never both at once.
    out_of_pool = [{name for name, status in states.items() if status == "MAINT"} for states in pool_states]
    assert {"web1"} in out_of_pool and {"web2"} in out_of_pool, pool_states
    assert {"web1", "web2"} not in out_of_pool
    # Both came back into the pool.
    assert fleet.haproxy_status() == {"web1": "UP", "web2": "UP"}


def test_firewall_closes_service_ports_to_hosts_that_are_not_web_servers(fleet):
    """db and services share the back subnet, so only the firewall (nftables,
    the firewall role) stands between db and the services' ports: they are
    open to the web servers' addresses and to nobody else."""
    for machine in ("lb", "web1", "web2", "db", "services"):
        table = fleet.ssh(machine, "sudo -n nft list table inet polls_firewall", check=False)
        assert table.returncode == 0, f"{machine}: no firewall table: {table.stderr}"
    services = [("10.77.1.32", port) for port in (6379, 5672, 27017, 8080)]
    from_db = port_states(fleet, "db", services)
    assert set(from_db.values()) == {"closed"}, from_db
    from_web2 = port_states(fleet, "web2", services)
    assert set(from_web2.values()) == {"open"}, from_web2


def test_daily_backup_runs_under_systemd_and_collects_every_host_s_store(fleet):
    """The backup host (web1) dumps MariaDB on db and MongoDB and Swift on
    services into one checksummed set, run here by its systemd unit as the
    daily timer would."""
    assert fleet.ssh("web1", "systemctl is-enabled polls-backup.timer").stdout.strip() == "enabled"
    fleet.ssh("web1", "sudo -n systemctl start polls-backup.service", timeout=600)
    newest = fleet.ssh("web1", "sudo -n sh -c 'ls -1d /var/backups/polls/polls-* | tail -n 1'").stdout.strip()
    assert newest, "no backup set"
    sums = fleet.ssh("web1", f"sudo -n sh -c 'cd {newest} && sha256sum -c SHA256SUMS'").stdout
    assert sums.count(": OK") == 5 and "FAILED" not in sums, sums
    info = json.loads(fleet.ssh("web1", f"sudo -n cat {newest}/backup.json").stdout)
    assert info["parts"]["mongodb"]["configured"] is True
    assert info["parts"]["objects"]["source"] == "swift", info["parts"]["objects"]
    tables = fleet.ssh("web1", f"sudo -n sh -c 'zcat {newest}/mariadb.sql.gz | grep -c \"^CREATE TABLE\"'").stdout
    assert int(tables.strip()) > 10, tables


def manage_on(fleet, machine, code):
    """Run Python in the site's Django shell on a web server; its last output line."""
    result = fleet.ssh(machine, "sudo -n polls-manage shell -c " + shlex.quote(code))
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def test_restore_brings_back_a_wiped_poll_org_and_upload_on_every_host(fleet, deployed_site):
    """A set taken by web1's backup service, then the data wiped on the hosts
    that hold it (the poll in MariaDB on db, the org in MongoDB and the upload
    in Swift on services), then `tests/fleet/fleet restore` (scripts/restore
    with this lab's inventory): everything is back and served by both web
    servers through the load balancer."""
    tag = uuid.uuid4().hex[:8]
    question_id = manage_on(
        fleet,
        "web1",
        "from django.utils import timezone; from polls.models import Question; "
        f"q = Question.objects.create(question_text='Restored {tag}?', pub_date=timezone.now()); "
        "q.choice_set.create(choice_text='Kept', votes=7); print(q.pk)",
    )
    staff = ApiClient(LB_URL)
    staff.login(deployed_site.admin_user, deployed_site.admin_password)
    image = png_bytes(rgb=(10, 120, 240))
    upload = staff.upload(image)
    assert upload.status_code == 201, upload.text
    upload = upload.json()
    org = staff.new_org("mongo", label=f"Restored {tag}", desc="ünïcødé ✓")

    with phase("backup (polls-backup.service on web1)"):
        fleet.ssh("web1", "sudo -n systemctl start polls-backup.service", timeout=600)
    name = fleet.ssh("web1", "sudo -n sh -c 'ls -1d /var/backups/polls/polls-* | tail -n 1'").stdout.strip()
    name = name.rsplit("/", 1)[-1]
    assert name.startswith("polls-"), name

    # Wiped where each store lives, behind the site's back.
    manage_on(fleet, "web1", f"from polls.models import Question; Question.objects.filter(pk={question_id}).delete()")
    manage_on(
        fleet,
        "web2",
        "from django.conf import settings; from services.backends import swift_connection; "
        f"c = swift_connection(); [c.delete_object(settings.SWIFT_CONTAINER, n) for n in "
        f"({upload['img_name']!r}, {upload['thumb_img_name']!r})]; print('deleted')",
    )
    assert staff.delete(f"orgs/{org}/mongo").status_code in (200, 204)
    manage_on(fleet, "web1", "from django.core.cache import cache; cache.clear()")
    assert requests.get(f"{LB_URL}/polls/{question_id}/", timeout=TIMEOUT).status_code == 404
    assert requests.get(LB_URL + upload["img_path"], timeout=TIMEOUT).status_code == 404
    assert requests.get(f"{LB_URL}/services/orgs/{org}/mongo", timeout=TIMEOUT).status_code == 404

    with phase("restore (tests/fleet/fleet restore)"):
        restore = subprocess.run(
            [str(FLEET), "restore", name], capture_output=True, text=True, timeout=900, check=False
        )
    assert restore.returncode == 0, restore.stdout[-3000:] + restore.stderr[-2000:]
    assert f"restored {name}" in restore.stdout, restore.stdout[-3000:]

    for web in ("web1", "web2"):
        detail = requests.get(f"{WEB_URLS[web]}/polls/{question_id}/results/", timeout=TIMEOUT)
        assert detail.status_code == 200 and re.search(r"Kept -- 7 votes\b", detail.text), (web, detail.text[:500])
        fetched = requests.get(WEB_URLS[web] + upload["img_path"], timeout=TIMEOUT)
        assert fetched.status_code == 200 and fetched.content == image, (web, fetched.status_code)
        restored_org = requests.get(f"{WEB_URLS[web]}/services/orgs/{org}/mongo", timeout=TIMEOUT)
        assert restored_org.status_code == 200, (web, restored_org.text)
        assert restored_org.json()["org"]["label"] == f"Restored {tag}", restored_org.json()
    # The restored admin can still log in with this deployment's password.
    ApiClient(LB_URL).login(deployed_site.admin_user, deployed_site.admin_password)


def live_release_on(fleet, machine):
    return fleet.ssh(machine, "readlink -f /srv/polls/current").stdout.strip().rsplit("/", 1)[-1]


def test_changed_release_rolls_through_and_rolls_back_on_every_web_server(fleet, tmp_path):
    """A changed release goes out one web server at a time; `fleet rollback`
    (scripts/rollback with this lab's inventory) puts the previous one back on
    both."""
    before = {machine: live_release_on(fleet, machine) for machine in WEB_URLS}
    assert len(set(before.values())) == 1, before
    marker = uuid.uuid4().hex
    changed = changed_site_copy(tmp_path, marker)
    with phase("deploy a changed release"):
        run = fleet.provision(
            "--limit", "lb:web", "-e", json.dumps({"polls_app_source_dir": f"{changed}/"}), name="changed-release"
        )
    assert_ok(run)
    for machine, url in WEB_URLS.items():
        assert f"release-marker {marker}" in requests.get(url + "/", timeout=TIMEOUT).text, machine
        assert live_release_on(fleet, machine) != before[machine]

    with phase("rollback (tests/fleet/fleet rollback)"):
        rollback = subprocess.run([str(FLEET), "rollback"], capture_output=True, text=True, timeout=900, check=False)
    assert rollback.returncode == 0, rollback.stdout[-3000:] + rollback.stderr[-2000:]
    for machine, url in WEB_URLS.items():
        assert live_release_on(fleet, machine) == before[machine]
        wait_until(
            lambda url=url: f"release-marker {marker}" not in requests.get(url + "/", timeout=TIMEOUT).text,
            timeout=30,
            what=f"{machine} to answer from the previous release",
        )
