"""The site as deployed by the playbook on this machine, checked over HTTP.

Everything goes through Apache on https://127.0.0.1 in daemon mode (the default);
tests/deploy/test_deploy_mode_switch.py does the same checks in embedded mode.
"""

import fcntl
import os
import re
import stat
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from deploylib import admin_session, apache_pid, csrf_from, daemon_processes, polls_manage

pytestmark = pytest.mark.deploy
SEOUL = ZoneInfo("Asia/Seoul")
CREATED_QUESTIONS = []


@pytest.fixture(scope="module", autouse=True)
def remove_test_questions():
    """Leave the deployed polls as a person would want to find them."""
    yield
    if CREATED_QUESTIONS:
        ids = ",".join(str(qid) for qid in CREATED_QUESTIONS)
        code = f"from polls.models import Question; Question.objects.filter(pk__in=[{ids}]).delete()"
        result = polls_manage("shell", "-c", code)
        assert result.returncode == 0, result.stderr


def add_question(session, site, text, choices, published=None):
    """Add a question with choices through the admin's add form (inline choices)."""
    published = published or datetime.now(SEOUL) - timedelta(minutes=5)
    add_url = site.url("/admin/polls/question/add/")
    form = session.get(add_url, timeout=10)
    assert form.status_code == 200
    data = {
        "csrfmiddlewaretoken": csrf_from(form.text),
        "question_text": text,
        "pub_date_0": published.strftime("%Y-%m-%d"),
        "pub_date_1": published.strftime("%H:%M:%S"),
        "choice_set-TOTAL_FORMS": str(len(choices)),
        "choice_set-INITIAL_FORMS": "0",
        "choice_set-MIN_NUM_FORMS": "0",
        "choice_set-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, choice in enumerate(choices):
        data[f"choice_set-{index}-choice_text"] = choice
        data[f"choice_set-{index}-votes"] = "0"
    response = session.post(add_url, data=data, headers={"Referer": add_url}, timeout=10)
    assert response.status_code == 200
    assert response.url.endswith("/admin/polls/question/"), "the admin did not accept the question"
    changelist = session.get(site.url("/admin/polls/question/"), params={"q": text}, timeout=10)
    ids = re.findall(r'href="/admin/polls/question/(\d+)/change/', changelist.text)
    assert len(ids) == 1, f"expected one question called {text!r}"
    CREATED_QUESTIONS.append(int(ids[0]))
    return int(ids[0])


def choice_ids(detail_html):
    return [int(value) for value in re.findall(r'name="choice"[^>]*value="(\d+)"', detail_html)]


@pytest.fixture(scope="module")
def admin(deployed_site):
    return admin_session(deployed_site)


@pytest.fixture(scope="module")
def question(deployed_site, admin):
    text = f"Deployed question {uuid.uuid4().hex[:8]}?"
    qid = add_question(admin, deployed_site, text, ["Apache", "nginx", "Both"])
    return {"id": qid, "text": text}


def test_home_page_lists_the_apps(deployed_site):
    response = requests.get(deployed_site.url("/"), timeout=10)
    assert response.status_code == 200
    for link in ('href="/polls/"', 'href="/books/"', 'href="/runtime/"'):
        assert link in response.text


def test_apache_listens_on_loopback_only(deployed_site):
    for port in (80, 443):
        ss = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
        addresses = {line.split()[3].rsplit(":", 1)[0] for line in ss.splitlines()}
        assert "127.0.0.1" in addresses, port
        assert addresses <= {"127.0.0.1", "[::1]"}, (port, addresses)


def test_connections_are_spread_over_a_socket_per_bucket(deployed_site):
    """ListenCoresBucketsRatio: one SO_REUSEPORT socket per cores/ratio for
    every address, so the kernel, not the first process awake, shares new
    connections among Apache's processes."""
    conf = Path("/etc/apache2/conf-enabled/performance.conf").read_text()
    ratio = int(re.search(r"^ListenCoresBucketsRatio (\d+)$", conf, re.M).group(1))
    buckets = max(1, os.cpu_count() // ratio)
    ss = subprocess.run(["ss", "-Hltn", "sport = :443"], capture_output=True, text=True, check=True).stdout
    sockets = [line.split()[3] for line in ss.splitlines()]
    assert sorted(sockets) == sorted(["127.0.0.1:443", "[::1]:443"] * buckets), sockets


def test_server_header_names_no_version(deployed_site):
    response = requests.get(deployed_site.url("/"), timeout=10)
    assert response.headers["Server"] == "Apache"


def test_admin_login_page_and_login_with_generated_password(deployed_site):
    page = requests.get(deployed_site.url("/admin/login/"), timeout=10)
    assert page.status_code == 200
    assert "Polls-and-services administration" in page.text
    session = admin_session(deployed_site)
    index = session.get(deployed_site.url("/admin/"), timeout=10)
    assert "Site administration" in index.text and 'href="/admin/polls/question/"' in index.text


def test_wrong_admin_password_is_refused(deployed_site):
    session = requests.Session()
    page = session.get(deployed_site.url("/admin/login/"), timeout=10)
    response = session.post(
        deployed_site.url("/admin/login/"),
        data={"csrfmiddlewaretoken": csrf_from(page.text), "username": "admin", "password": "wrong"},
        headers={"Referer": deployed_site.url("/admin/login/")},
        timeout=10,
    )
    assert response.status_code == 200 and "/admin/login/" in response.url
    assert "Please enter the correct username and password" in response.text


def test_polls_index_detail_vote_results(deployed_site, question):
    index = requests.get(deployed_site.url("/polls/"), timeout=10)
    assert index.status_code == 200
    assert question["text"] in index.text

    session = requests.Session()
    detail = session.get(deployed_site.url(f"/polls/{question['id']}/"), timeout=10)
    assert detail.status_code == 200
    choices = choice_ids(detail.text)
    assert len(choices) == 3

    vote_url = deployed_site.url(f"/polls/{question['id']}/vote/")
    voted = session.post(
        vote_url,
        data={"csrfmiddlewaretoken": csrf_from(detail.text), "choice": choices[0]},
        headers=deployed_site.referer(f"/polls/{question['id']}/"),
        timeout=10,
    )
    assert voted.status_code == 200
    assert voted.url.endswith(f"/polls/{question['id']}/results/")
    assert re.search(r"Apache\s*--\s*1 vote\b", voted.text), voted.text


def test_vote_without_choice_reshows_the_form(deployed_site, question):
    session = requests.Session()
    detail = session.get(deployed_site.url(f"/polls/{question['id']}/"), timeout=10)
    response = session.post(
        deployed_site.url(f"/polls/{question['id']}/vote/"),
        data={"csrfmiddlewaretoken": csrf_from(detail.text)},
        headers=deployed_site.referer(f"/polls/{question['id']}/"),
        timeout=10,
    )
    assert response.status_code == 200
    assert "You didn&#x27;t select a choice." in response.text or "You didn't select a choice." in response.text


def test_vote_without_csrf_token_is_refused(deployed_site, question):
    response = requests.post(
        deployed_site.url(f"/polls/{question['id']}/vote/"),
        data={"choice": 1},
        headers=deployed_site.referer(f"/polls/{question['id']}/"),
        timeout=10,
    )
    assert response.status_code == 403


def test_concurrent_votes_are_all_counted(deployed_site, admin):
    """N votes at once through Apache's daemon processes -> exactly N more votes."""
    qid = add_question(admin, deployed_site, f"Race {uuid.uuid4().hex[:8]}?", ["only"])
    detail = requests.Session()
    page = detail.get(deployed_site.url(f"/polls/{qid}/"), timeout=10)
    (choice,) = choice_ids(page.text)
    token, cookies = csrf_from(page.text), detail.cookies.get_dict()
    votes = 40

    def vote(_):
        return requests.post(
            deployed_site.url(f"/polls/{qid}/vote/"),
            data={"csrfmiddlewaretoken": token, "choice": choice},
            cookies=cookies,
            headers=deployed_site.referer(f"/polls/{qid}/"),
            allow_redirects=False,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(vote, range(votes)))
    assert codes == [302] * votes
    results = requests.get(deployed_site.url(f"/polls/{qid}/results/"), timeout=10)
    assert re.search(rf"only\s*--\s*{votes} votes", results.text), results.text


def test_unpublished_question_is_404_without_traceback(deployed_site, admin):
    qid = add_question(
        admin,
        deployed_site,
        f"Future {uuid.uuid4().hex[:8]}?",
        ["later"],
        published=datetime.now(SEOUL) + timedelta(days=30),
    )
    response = requests.get(deployed_site.url(f"/polls/{qid}/"), timeout=10)
    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert f"/polls/{qid}/" not in requests.get(deployed_site.url("/polls/"), timeout=10).text


def test_books_pages(deployed_site):
    for path in ("/books/", "/books/book/", "/books/author/", "/books/publisher/"):
        response = requests.get(deployed_site.url(path), timeout=10)
        assert response.status_code == 200, path


def test_static_file_served_by_apache_with_long_caching(deployed_site):
    page = requests.get(deployed_site.url("/admin/login/"), timeout=10)
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
    assert css, "the admin does not link a hashed stylesheet: collectstatic/manifest storage missing"
    response = requests.get(deployed_site.url(css.group(1)), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers.get("Content-Encoding") == "gzip"
    # Apache's file handler, not Django: validators from the file, and none of
    # the headers Django's middleware puts on every response it makes.
    assert "Last-Modified" in response.headers and "ETag" in response.headers
    assert "X-Frame-Options" not in response.headers
    # The same file is on disk where Apache's Alias points.
    on_disk = Path("/srv/polls/current/staticfiles") / css.group(1).removeprefix("/static/")
    assert on_disk.is_file()


def test_html_and_json_are_compressed(deployed_site):
    for path in ("/", "/runtime/json"):
        response = requests.get(deployed_site.url(path), headers={"Accept-Encoding": "gzip"}, timeout=10)
        assert response.headers.get("Content-Encoding") == "gzip", path


def test_unhashed_static_name_is_not_cached_for_a_year(deployed_site):
    response = requests.get(deployed_site.url("/static/admin/css/base.css"), timeout=10)
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_static_directory_is_never_listed(deployed_site):
    # No mod_autoindex (httpd_modules_disabled): nothing serves a directory.
    # Were it kept, "Options -Indexes" would answer 403 instead.
    response = requests.get(deployed_site.url("/static/admin/"), timeout=10)
    assert response.status_code == 404 and "Index of" not in response.text


def test_runtime_page_reports_daemon_mode(deployed_site):
    info = requests.get(deployed_site.url("/runtime/json"), timeout=10).json()
    assert info["mode"] == "daemon"
    assert info["process_group"] == "polls"
    assert info["application_group"] == ""
    assert info["user"] == "polls"
    assert info["python_prefix"] == "/srv/polls/venv"
    # One daemon process per CPU (at least two), five threads each (polls_app defaults).
    assert info["maximum_processes"] == max(2, os.cpu_count()) and info["threads_per_process"] == 5
    page = requests.get(deployed_site.url("/runtime/"), timeout=10)
    assert page.status_code == 200 and "daemon" in page.text


def test_daemon_processes_run_as_the_dedicated_user(deployed_site):
    requests.get(deployed_site.url("/"), timeout=10)
    processes = daemon_processes()
    assert len(processes) == 2, processes
    assert {user for _, user in processes} == {"polls"}


def _cpus_allowed(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return re.search(r"^Cpus_allowed_list:\s*(\S+)", status, re.M).group(1)


def test_services_may_run_on_every_cpu(deployed_site):
    """The playbook's own CPU pinning (Mitogen pins its processes) must not
    reach the services it starts: without systemd they are its children and
    would keep the mask, serving the site from one core."""
    own_pid_namespace = os.readlink("/proc/self/ns/pid")
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: nothing to pin to")
    expected = _cpus_allowed("self")
    requests.get(deployed_site.url("/"), timeout=10)
    services = {"apache2": [apache_pid(), *(pid for pid, _ in daemon_processes())]}
    for name in ("mariadbd", "redis-server"):
        found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()
        # This machine's only: containers of the lab tests run their own.
        services[name] = [pid for pid in found if os.readlink(f"/proc/{pid}/ns/pid") == own_pid_namespace]
    for name, pids in services.items():
        assert pids, f"no {name} process is running"
        for pid in pids:
            assert _cpus_allowed(pid) == expected, f"{name} (pid {pid}) may run on CPUs {_cpus_allowed(pid)} only"


def test_apache_configuration_is_valid(deployed_site):
    result = subprocess.run(["apache2ctl", "-t"], capture_output=True, text=True)
    assert result.returncode == 0 and "Syntax OK" in result.stderr
    modules = subprocess.run(["apache2ctl", "-M"], capture_output=True, text=True).stdout
    assert "wsgi_module" in modules


def test_apache_loads_none_of_the_default_modules_nothing_uses(deployed_site):
    """httpd_modules_disabled: Debian's defaults that the site does not use
    are not loaded (less work per request), and what they served is gone."""
    modules = subprocess.run(["apache2ctl", "-M"], capture_output=True, text=True, check=True).stdout
    loaded = {line.split()[0] for line in modules.splitlines() if line.startswith(" ")}
    for module in (
        "access_compat",
        "auth_basic",
        "authn_file",
        "authz_user",
        "autoindex",
        "env",
        "negotiation",
        "status",
    ):
        assert f"{module}_module" not in loaded, module
    assert {"ssl_module", "setenvif_module", "headers_module", "deflate_module"} <= loaded
    # /server-status (mod_status, loopback only in Debian's configuration) is
    # now an ordinary URL: Django's 404 page.
    response = requests.get(deployed_site.url("/server-status"), timeout=10)
    assert response.status_code == 404 and "Apache Server Status" not in response.text


def test_secrets_files_are_private(deployed_site):
    env = os.stat("/etc/polls/env")
    assert stat.S_IMODE(env.st_mode) == 0o640
    assert (env.st_uid, env.st_gid) == (0, __import__("grp").getgrnam("polls").gr_gid)
    password = os.stat("/etc/polls/admin-password")
    assert stat.S_IMODE(password.st_mode) == 0o600 and password.st_uid == 0
    # The runtime user reads the settings; Apache's user does not.
    assert (
        subprocess.run(["runuser", "-u", "www-data", "--", "cat", "/etc/polls/env"], capture_output=True).returncode
        != 0
    )


def test_check_deploy_is_clean(deployed_site):
    """`manage.py check --deploy` with the deployed settings: no warning at all."""
    result = polls_manage("check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.findall(r"\((\w+\.[WE]\d+)\)", output) == [], output
    assert "System check identified no issues" in output, output


def test_django_log_is_written(deployed_site, question):
    log = Path("/var/log/polls/mysite.log")
    before = log.stat().st_size
    session = requests.Session()
    detail = session.get(deployed_site.url(f"/polls/{question['id']}/"), timeout=10)
    session.post(
        deployed_site.url(f"/polls/{question['id']}/vote/"),
        data={"csrfmiddlewaretoken": csrf_from(detail.text), "choice": choice_ids(detail.text)[1]},
        headers=deployed_site.referer(f"/polls/{question['id']}/"),
        timeout=10,
    )
    tail = log.read_text()[before:]
    # The book's verbose format: [date] LEVEL [logger:line] message
    assert re.search(r"^\[\d{2}/\w{3}/\d{4} \d{2}:\d{2}:\d{2}\] \w+ \[polls[\w.]*:\d+\] ", tail, re.M), tail


SWIFT_PASSES = "/usr/local/sbin/swift-background-once"
SWIFT_PASSES_LOCK = "/run/lock/swift-background.lock"


def _swift_passes_running():
    """{pid: command line} of the Swift background daemons running one pass."""
    ps = subprocess.run(["ps", "-ww", "-u", "swift", "-o", "pid=,args="], capture_output=True, text=True).stdout
    return {int(pid): args for pid, args in (line.split(None, 1) for line in ps.splitlines()) if "--once" in args}


def _hold_swift_passes_lock(lock, seconds=300):
    """Take the passes' lock, after any pass cron started has finished (at
    the lowest priority, on a busy machine, that may take minutes)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            assert time.monotonic() < deadline, f"a Swift background pass held {SWIFT_PASSES_LOCK} for {seconds} s"
            time.sleep(0.5)


def test_swift_background_passes_yield_the_cpu_to_the_site(deployed_site):
    """Swift's replicators and updaters run one pass each from cron, as swift,
    at the lowest CPU priority and the idle disk class, in a session whose
    own priority is the lowest too (the kernel shares the CPU between
    sessions first): a pass costs seconds of CPU, and at the site's priority
    the requests of those seconds waited. Run by hand, it leaves the
    caller's session as it was."""
    autogroups = Path("/proc/self/autogroup").exists()
    own_autogroup = Path("/proc/self/autogroup").read_text() if autogroups else None
    cron = [line.split() for line in Path("/etc/cron.d/swift-background").read_text().splitlines()]
    jobs = [fields[5:] for fields in cron if fields and not fields[0].startswith("#")]
    assert jobs == [["swift", SWIFT_PASSES]]
    with open(SWIFT_PASSES_LOCK, "a") as lock:
        _hold_swift_passes_lock(lock)
        # While a pass runs (here: this test holds the lock), cron's next
        # one is skipped instead of doubling the work.
        skipped = subprocess.run(["runuser", "-u", "swift", "--", SWIFT_PASSES], timeout=30)
        assert skipped.returncode == 0
        assert not _swift_passes_running()
    run = subprocess.Popen(["runuser", "-u", "swift", "--", SWIFT_PASSES])
    priorities = {}
    deadline = time.monotonic() + 300
    try:
        while run.poll() is None and time.monotonic() < deadline:
            for pid, args in _swift_passes_running().items():
                daemon = next(os.path.basename(word) for word in args.split() if "/swift-" in word)
                try:
                    nice = os.getpriority(os.PRIO_PROCESS, pid)
                    session = Path(f"/proc/{pid}/autogroup").read_text().split()[-1] if autogroups else "19"
                except OSError:
                    continue  # finished meanwhile
                io = subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout
                if io.strip():
                    priorities[daemon] = (nice, io.strip(), int(session))
            time.sleep(0.05)
    finally:
        if run.poll() is None:
            run.kill()
        run.wait(timeout=30)
    assert run.returncode == 0, "a background pass failed or took over 5 minutes (see the swift log)"
    assert len(priorities) >= 3, f"too few passes seen running: {priorities}"
    for daemon, (nice, io, session) in priorities.items():
        assert nice == 19, f"{daemon} ran at nice {nice}"
        assert io == "idle", f"{daemon} ran in disk class {io!r}"
        assert session == 19, f"{daemon} ran in a session (autogroup) of nice {session}"
    if autogroups:
        assert Path("/proc/self/autogroup").read_text() == own_autogroup
