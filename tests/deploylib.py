"""Helpers for the deployment tests: run the playbook, talk to the site.

Imported by tests/conftest.py and by the tests in tests/deploy and tests/services.
"""

import itertools
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from deploy_bench import recap_by_host

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = REPO_ROOT / "scripts" / "deploy"
ADMIN_PASSWORD_FILE = Path("/etc/polls/admin-password")
LOG_DIR = Path(os.environ.get("POLLS_TEST_LOG_DIR", "/tmp/polls-test-logs"))
# The site over HTTPS, its certificate signed by the local CA the playbook made.
BASE_URL = "https://127.0.0.1"
HTTP_URL = "http://127.0.0.1"
CA_CERT = Path("/etc/apache2/tls/ca.crt")


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    log: Path

    def recap(self):
        """The PLAY RECAP counters of the (single) host, e.g. {'ok': 57, 'changed': 0, ...}."""
        hosts = recap_by_host(self.output)
        assert len(hosts) == 1, f"expected one host's PLAY RECAP, found {sorted(hosts)}; see {self.log}"
        return next(iter(hosts.values()))

    def changes(self):
        """(play, task) of every task that reported 'changed', in order; task
        names as Ansible prints them ("role : name" for a role's tasks)."""
        found, play, current = [], None, None
        for line in self.output.splitlines():
            if line.startswith("PLAY ["):
                play = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith(("TASK [", "RUNNING HANDLER [")):
                current = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed:") and current:
                found.append((play, current))
        return found

    def changed_tasks(self):
        """Names of the tasks that reported 'changed', to explain a failure."""
        return [task for _play, task in self.changes()]


def run_logged(command, name):
    """Run an Ansible door (scripts/deploy, scripts/rollback, the lab's
    provision) without colours; keep its output in LOG_DIR."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"{name}-{int(time.time())}.log"
    proc = subprocess.run(
        [str(part) for part in command],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
    )
    log.write_text(proc.stdout)
    return PlaybookRun(proc.returncode, proc.stdout, log)


def run_playbook(*extra_args, name="deploy"):
    """Run scripts/deploy with extra ansible-playbook arguments; keep a log."""
    return run_logged([DEPLOY, *extra_args], name)


def assert_playbook_ok(run):
    tail = "\n".join(run.output.splitlines()[-40:])
    assert run.returncode == 0, f"playbook failed (full log: {run.log}):\n{tail}"


def wait_until(predicate, timeout=60, interval=0.5, what="condition"):
    """Poll predicate() until it returns something true (exceptions count as not yet)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # keep polling while the thing comes back
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def wait_for_http(url, timeout=60):
    """The first answer from url that is not a server error."""

    def answered():
        response = requests.get(url, timeout=5)
        return response if response.status_code < 500 else None

    return wait_until(answered, timeout=timeout, what=f"{url} to answer")


@dataclass
class DeployedSite:
    base_url: str
    admin_user: str
    admin_password: str
    first_run: PlaybookRun | None

    def url(self, path):
        return self.base_url + path

    def referer(self, path="/"):
        """Django checks the Referer of HTTPS form posts against the host (CSRF)."""
        return {"Referer": self.url(path)}


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def admin_session(site):
    """A requests.Session logged in to the Django admin with the generated password."""
    session = requests.Session()
    login_url = site.url("/admin/login/")
    page = session.get(login_url, timeout=10)
    assert page.status_code == 200
    response = session.post(
        login_url,
        data={
            "csrfmiddlewaretoken": csrf_from(page.text),
            "username": site.admin_user,
            "password": site.admin_password,
            "next": "/admin/",
        },
        headers={"Referer": login_url},
        timeout=10,
    )
    assert response.status_code == 200 and response.url.endswith("/admin/"), "admin login failed"
    return session


def polls_manage(*args):
    """Run manage.py of the deployed site (as root, with its environment file)."""
    return subprocess.run(["/usr/local/bin/polls-manage", *args], capture_output=True, text=True, check=False)


def daemon_processes():
    """(pid, user) of every mod_wsgi daemon process of this machine's Apache.

    Shown as '(wsgi:polls)'; only the children of Apache's parent process
    count (containers on the same machine run Apaches of their own).
    """
    ps = subprocess.run(["ps", "-eo", "pid=,ppid=,user:32=,args="], capture_output=True, text=True, check=True)
    rows = [line.split(None, 3) for line in ps.stdout.splitlines() if "(wsgi:" in line]
    parent = apache_pid()
    return [(pid, user) for pid, ppid, user, _command in rows if ppid == parent]


def apache_workers():
    """PIDs of this machine's Apache worker processes (the parent's children
    that are not mod_wsgi daemons)."""
    ps = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, check=True)
    rows = [line.split(None, 2) for line in ps.stdout.splitlines()]
    parent = apache_pid()
    return [pid for pid, ppid, command in rows if ppid == parent and "(wsgi:" not in command]


def apache_server_limit():
    """ServerLimit Apache runs with: the site's polls-wsgi.conf sets it in
    embedded mode (read after the modules, so it wins), else the running
    MPM's file (the httpd role's)."""
    site = Path("/etc/apache2/conf-enabled/polls-wsgi.conf")
    found = re.search(r"^\s*ServerLimit\s+(\d+)", site.read_text(), re.M) if site.exists() else None
    if found:
        return int(found.group(1))
    for mpm in ("event", "worker"):
        path = Path(f"/etc/apache2/mods-enabled/mpm_{mpm}.conf")
        if path.exists():
            return int(re.search(r"^\s*ServerLimit\s+(\d+)", path.read_text(), re.M).group(1))
    raise AssertionError("no threaded MPM is enabled")


def apache_pid():
    """The Apache parent's PID (to show something happened without a restart)."""
    for path in ("/run/apache2/apache2.pid", "/var/run/apache2/apache2.pid"):
        if os.path.exists(path):
            return Path(path).read_text().strip()
    return None


@dataclass
class LoadResult:
    requests: int
    failed: int
    failures: list
    longest_pause: float  # seconds without any request completing
    seconds: float

    def summary(self):
        return (
            f"{self.requests} requests in {self.seconds:.1f}s, {self.failed} failed, "
            f"longest pause {self.longest_pause:.2f}s"
        )


class BoundedLoad:
    """GET requests from a small thread pool against the site until stopped.

    Bounded: at most `max_seconds` and `max_requests`, whatever happens; every
    request has a timeout. A request fails when it raises or answers >= 500.
        with BoundedLoad(url) as load:
            ...              # deploy, rotate logs
        load.result.failed
    """

    def __init__(self, url, workers=6, max_seconds=240, max_requests=200_000, timeout=30):
        import threading

        self.url, self.workers, self.timeout = url, workers, timeout
        self.max_seconds, self.max_requests = max_seconds, max_requests
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.done, self.failures, self.count = [], [], 0
        self.threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(workers)]
        self.result = None

    def _worker(self):
        session = requests.Session()
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                if self.count >= self.max_requests:
                    return
                self.count += 1
            try:
                status = session.get(self.url, timeout=self.timeout).status_code
                error = None if status < 500 else f"HTTP {status}"
            except requests.RequestException as exc:
                error = repr(exc)
            with self.lock:
                self.done.append(time.monotonic())
                if error:
                    self.failures.append(error)

    def __enter__(self):
        self.started = time.monotonic()
        self.deadline = self.started + self.max_seconds
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        time.sleep(1)  # requests after the event, too
        self.stop_event.set()
        for thread in self.threads:
            thread.join(self.timeout + 5)
        ended = time.monotonic()
        marks = [self.started, *sorted(self.done), ended]
        pause = max(b - a for a, b in itertools.pairwise(marks))
        self.result = LoadResult(len(self.done), len(self.failures), self.failures[:10], pause, ended - self.started)
        return False


def changed_site_copy(tmp_path, marker, extra_files=None):
    """A copy of site/ whose home page carries `marker` (a release that differs)."""
    import shutil

    dest = tmp_path / "site"
    shutil.copytree(
        REPO_ROOT / "site",
        dest,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "db.sqlite3", "logs", "media", "staticfiles"),
    )
    # The base template, outside its blocks: every page carries it.
    base = dest / "templates" / "base.html"
    base.write_text(base.read_text() + f"\n<!-- release-marker {marker} -->\n")
    for relative, text in (extra_files or {}).items():
        (dest / relative).write_text(text)
    return dest


def live_release():
    """Name of the release `current` points at, and the release history."""
    current = Path("/srv/polls/current").resolve().name
    history = Path("/srv/polls/release-history").read_text().split()
    return current, history


def run_rollback(name="rollback"):
    """scripts/rollback, logged like run_playbook."""
    return run_logged([REPO_ROOT / "scripts" / "rollback"], name)
