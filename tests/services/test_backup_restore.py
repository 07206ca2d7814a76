"""Backups that restore, on the stack deployed on this machine.

Data in every store (polls and votes in MariaDB, orgs and groups in both
org chart stores, uploads in Swift) -> scripts/backup -> the data is wiped
(database dropped and created empty, Mongo collections dropped, the Swift
container deleted) -> scripts/restore -> every table, document and object is
back byte for byte (compared by content checksums taken independently of the
backup tools), and the site works. A backup taken while votes and org chart
changes pour in is consistent. Unknown and damaged sets are refused.
"""

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from api_client import ApiClient
from deploylib import REPO_ROOT, admin_session, csrf_from, polls_manage
from services_site import png_bytes

pytestmark = pytest.mark.deploy

ENV_FILE = Path("/etc/polls/env")
BACKUP_DIR = Path("/var/backups/polls")
SET_NAME = re.compile(r"\bpolls-\d{8}T\d{6}Z\b")


# --- Reading the stores directly (never through the backup tools) -----------


def env():
    values = {}
    for line in ENV_FILE.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def database_name():
    """The site's database, from the env file's DATABASE_URL (mysql://…/NAME)."""
    return urlsplit(env()["DATABASE_URL"]).path.lstrip("/")


def mariadb(sql, database=None):
    """Run SQL as root over the socket; rows as lists of strings."""
    database = database or database_name()
    result = subprocess.run(
        ["mariadb", "-N", "-B", "--default-character-set=utf8mb4", database, "-e", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{sql}: {result.stderr}"
    return [line.split("\t") for line in result.stdout.splitlines()]


def sql_fingerprint():
    """{table: (rows, sha256 of its definition and every row, ordered by all columns)}."""
    found = {}
    for name, kind in mariadb("SHOW FULL TABLES"):
        if kind != "BASE TABLE":
            continue
        definition = mariadb(f"SHOW CREATE TABLE `{name}`")[0][1]
        columns = [
            row[0]
            for row in mariadb(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() "
                f"AND table_name = '{name}' ORDER BY ordinal_position"
            )
        ]
        order = ", ".join(str(i) for i in range(1, len(columns) + 1))
        rows = mariadb(f"SELECT * FROM `{name}` ORDER BY {order}")
        digest = hashlib.sha256(definition.encode())
        for row in rows:
            digest.update("\t".join(row).encode() + b"\n")
        found[name] = (len(rows), digest.hexdigest())
    return found


def mongo_db():
    import pymongo
    from bson.raw_bson import RawBSONDocument

    values = env()
    client = pymongo.MongoClient(values["MONGO_URI"], serverSelectionTimeoutMS=5000, document_class=RawBSONDocument)
    return client[values["MONGO_DB"]]


def mongo_fingerprint():
    """{collection: (documents, sha256 of their raw BSON in _id order, index keys)}."""
    db = mongo_db()
    found = {}
    for name in sorted(db.list_collection_names()):
        digest = hashlib.sha256()
        count = 0
        for doc in db[name].find({}).sort("_id", 1):
            digest.update(doc.raw)
            count += 1
        keys = sorted(str(list(dict(index)["key"].items())) for index in db[name].list_indexes())
        found[name] = (count, digest.hexdigest(), keys)
    return found


def swift():
    from swiftclient.client import Connection

    values = env()
    return Connection(
        authurl=values["SWIFT_AUTH_URL"],
        user=values["SWIFT_USER"],
        key=values["SWIFT_KEY"],
        auth_version="1",
        timeout=30,
    ), values["SWIFT_CONTAINER"]


def swift_fingerprint():
    """{object name: (bytes, sha256 of the content, content type)}."""
    from swiftclient.exceptions import ClientException

    conn, container = swift()
    try:
        _headers, listing = conn.get_container(container, full_listing=True)
    except ClientException as exc:
        if exc.http_status == 404:
            return {}
        raise
    found = {}
    for item in listing:
        headers, body = conn.get_object(container, item["name"])
        found[item["name"]] = (len(body), hashlib.sha256(body).hexdigest(), headers.get("content-type"))
    return found


def fingerprint():
    return {"mariadb": sql_fingerprint(), "mongodb": mongo_fingerprint(), "swift": swift_fingerprint()}


# --- Wiping every store ------------------------------------------------------


def wipe_everything():
    name = database_name()
    mariadb(
        f"DROP DATABASE `{name}`; CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        database="mysql",
    )
    db = mongo_db()
    for collection in db.list_collection_names():
        db.drop_collection(collection)
    conn, container = swift()
    _headers, listing = conn.get_container(container, full_listing=True)
    for item in listing:
        conn.delete_object(container, item["name"])
    conn.delete_container(container)


# --- The doors ---------------------------------------------------------------


def run_script(name, *args):
    started = time.monotonic()
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / name), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return result, time.monotonic() - started


def backup():
    result, seconds = run_script("backup")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    names = SET_NAME.findall(result.stdout)
    assert names, result.stdout[-2000:]
    return names[-1], seconds


def set_size(name):
    return sum(f.stat().st_size for f in (BACKUP_DIR / name).iterdir())


# --- Test data ---------------------------------------------------------------


def new_question(text, choices):
    code = (
        "from django.utils import timezone; from polls.models import Question; "
        f"q = Question.objects.create(question_text={text!r}, pub_date=timezone.now()); "
        f"[q.choice_set.create(choice_text=c) for c in {choices!r}]; print(q.pk)"
    )
    result = polls_manage("shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def delete_questions(ids):
    if ids:
        result = polls_manage(
            "shell",
            "-c",
            f"from polls.models import Question; Question.objects.filter(pk__in={sorted(ids)!r}).delete()",
        )
        assert result.returncode == 0, result.stderr


def vote(session, site, question_id, choice_id):
    """One vote as a visitor; True when the site counted it (redirect to the results)."""
    detail = session.get(site.url(f"/polls/{question_id}/"), timeout=15)
    response = session.post(
        site.url(f"/polls/{question_id}/vote/"),
        data={"csrfmiddlewaretoken": csrf_from(detail.text), "choice": str(choice_id)},
        headers={"Referer": site.url(f"/polls/{question_id}/")},
        allow_redirects=False,
        timeout=15,
    )
    return response.status_code == 302


def choice_ids(question_id):
    return [
        int(row[0]) for row in mariadb(f"SELECT id FROM polls_choice WHERE question_id = {question_id} ORDER BY id")
    ]


class CreatedData:
    """What a test created, removed at the end (after a restore it is back)."""

    def __init__(self, site):
        self.site = site
        self.questions, self.orgs, self.objects, self.sets = [], [], [], []

    def cleanup(self):
        delete_questions(self.questions)
        staff = ApiClient(self.site.base_url)
        staff.login(self.site.admin_user, self.site.admin_password)
        for store, org_id in self.orgs:
            staff.delete(f"orgs/{org_id}/{store}")
            # Read its change notices (the last is ORG_DELETED) until the org is unknown.
            for _ in range(1000):
                if staff.get(f"org-chart/{org_id}/status/{store}").status_code != 200:
                    break
        if self.objects:
            conn, container = swift()
            for name in self.objects:
                try:
                    conn.delete_object(container, name)
                except Exception:  # already gone
                    pass
        for name in self.sets:
            shutil.rmtree(BACKUP_DIR / name, ignore_errors=True)


@pytest.fixture
def data(deployed_site):
    created = CreatedData(deployed_site)
    yield created
    created.cleanup()


@pytest.fixture
def staff(deployed_site):
    client = ApiClient(deployed_site.base_url)
    client.login(deployed_site.admin_user, deployed_site.admin_password)
    return client


# --- The tests ---------------------------------------------------------------


def test_backup_wipe_restore_brings_back_every_row_document_and_object(deployed_site, data, staff):
    tag = uuid.uuid4().hex[:8]
    question = new_question(f"Backed up {tag}?", ["yes", "no", "maybe"])
    data.questions.append(question)
    visitor = requests.Session()
    choices = choice_ids(question)
    for choice in [choices[0]] * 3 + [choices[1]] * 2:
        assert vote(visitor, deployed_site, question, choice)

    uploads = []
    for colour in ((200, 30, 30), (30, 200, 30)):
        response = staff.upload(png_bytes(rgb=colour))
        assert response.status_code == 201, response.text
        uploads.append(response.json())
        data.objects += [response.json()["img_name"], response.json()["thumb_img_name"]]
    for store in ("mysql", "mongo"):
        org = staff.new_org(store, label=f"Backup {tag}", desc="ünïcødé ✓", url="https://backup.example/")
        data.orgs.append((store, org))
        top = staff.new_group(
            store,
            org,
            label="Board",
            thumb_img_path=uploads[0]["thumb_img_path"],
            thumb_img_name=uploads[0]["thumb_img_name"],
        )
        staff.new_group(
            store,
            org,
            label="Team",
            parent_id=top,
            thumb_img_path=uploads[1]["thumb_img_path"],
            thumb_img_name=uploads[1]["thumb_img_name"],
        )
    mysql_org, mongo_org = data.orgs[0][1], data.orgs[1][1]
    chart_before = {store: staff.get(f"org-chart/{org}/{store}").json() for store, org in data.orgs}

    before = fingerprint()
    assert before["mariadb"]["polls_choice"][0] >= 3 and before["mariadb"]["services_group"][0] >= 2
    assert before["mongodb"]["groups"][0] >= 2 and len(before["swift"]) >= 4

    name, backup_seconds = backup()
    data.sets.append(name)
    set_dir = BACKUP_DIR / name
    assert sorted(p.name for p in set_dir.iterdir()) == [
        "SHA256SUMS",
        "backup.json",
        "mariadb.sql.gz",
        "mongodb.tar.gz",
        "objects.tar.gz",
        "settings.tar.gz",
    ]
    assert (set_dir.stat().st_mode & 0o777) == 0o700 and (BACKUP_DIR.stat().st_mode & 0o777) == 0o700
    for part in set_dir.iterdir():
        assert part.stat().st_uid == 0 and (part.stat().st_mode & 0o777) == 0o600, part
    assert f"Backed up {tag}?".encode() in gzip.decompress((set_dir / "mariadb.sql.gz").read_bytes())
    check = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=set_dir, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert fingerprint() == before, "making a backup changed the data"
    info = json.loads((set_dir / "backup.json").read_text())
    assert info["name"] == name and info["parts"]["objects"]["source"] == "swift"
    assert info["parts"]["objects"]["objects"] == len(before["swift"])
    assert info["parts"]["mongodb"]["collections"] == {k: v[0] for k, v in before["mongodb"].items()}

    wipe_everything()
    wiped = fingerprint()
    assert wiped["mariadb"] == {} and wiped["mongodb"] == {} and wiped["swift"] == {}

    result, restore_seconds = run_script("restore", name)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    after = fingerprint()
    for store in ("mariadb", "mongodb", "swift"):
        assert after[store] == before[store], f"{store} differs after the restore"

    # The site works on the restored data.
    for path in ("/", "/polls/", f"/polls/{question}/results/", "/services/", "/books/"):
        assert requests.get(deployed_site.url(path), timeout=15).status_code == 200, path
    results = requests.get(deployed_site.url(f"/polls/{question}/results/"), timeout=15).text
    assert "3 votes" in results and "2 votes" in results
    for store, org in data.orgs:
        assert (
            requests.get(deployed_site.url(f"/services/org-chart/{org}/{store}"), timeout=15).json()
            == chart_before[store]
        )
    for upload in uploads:
        image = requests.get(deployed_site.url(upload["img_path"]), timeout=15)
        assert image.status_code == 200 and hashlib.sha256(image.content).hexdigest() in {
            digest for _size, digest, _type in before["swift"].values()
        }
    admin = admin_session(deployed_site)
    assert "Site administration" in admin.get(deployed_site.url("/admin/"), timeout=15).text
    # Writes work too (auto-increment counters and indexes came back).
    for store, org in (("mysql", mysql_org), ("mongo", mongo_org)):
        staff = ApiClient(deployed_site.base_url)
        staff.login(deployed_site.admin_user, deployed_site.admin_password)
        staff.new_group(store, org, label="After restore")
    assert vote(requests.Session(), deployed_site, question, choices[2])

    print(
        f"\nbackup: {backup_seconds:.1f} s (scripts/backup), set {name}: {set_size(name)} bytes; "
        f"restore: {restore_seconds:.1f} s (scripts/restore); "
        f"tables {len(before['mariadb'])}, rows {sum(r for r, _ in before['mariadb'].values())}, "
        f"documents {sum(c for c, _d, _k in before['mongodb'].values())}, objects {len(before['swift'])}"
    )


def test_unknown_and_damaged_sets_are_refused_and_nothing_changes(deployed_site, data):
    result, _ = run_script("restore", "polls-19990101T000000Z")
    assert result.returncode != 0
    assert "no backup set named 'polls-19990101T000000Z'" in result.stdout + result.stderr

    result, _ = run_script("restore", "../../etc")
    assert result.returncode == 2 and "not a backup set's name" in result.stderr

    # Retention: a set older than backup_retention_days (7) goes at the next backup.
    old = BACKUP_DIR / "polls-20000101T000000Z"
    old.mkdir(mode=0o700)
    data.sets.append(old.name)
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    name, _ = backup()
    data.sets.append(name)
    assert not old.exists(), "a set older than the retention was kept"
    damaged = f"{name}-damaged"
    shutil.copytree(BACKUP_DIR / name, BACKUP_DIR / damaged)
    data.sets.append(damaged)
    dump = BACKUP_DIR / damaged / "mongodb.tar.gz"
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0xFF
    dump.write_bytes(bytes(content))

    before = sql_fingerprint()
    result, _ = run_script("restore", damaged)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "checksums do not match" in output and "mongodb.tar.gz" in output and "nothing was restored" in output
    assert sql_fingerprint() == before

    (BACKUP_DIR / damaged / "SHA256SUMS").unlink()
    result, _ = run_script("restore", damaged)
    assert result.returncode != 0 and "has no SHA256SUMS" in result.stdout + result.stderr


def test_backup_under_load_is_consistent(deployed_site, data):
    """Votes and org chart changes keep coming while the backup runs; the
    dump is one snapshot: each org's chart_rev (bumped in the same transaction
    as every group added) equals its number of groups, and the votes in it are
    at least those counted before the backup started and at most those sent."""
    tag = uuid.uuid4().hex[:8]
    question = new_question(f"Under load {tag}?", ["a", "b"])
    data.questions.append(question)
    choices = choice_ids(question)
    staff = ApiClient(deployed_site.base_url)
    staff.login(deployed_site.admin_user, deployed_site.admin_password)
    org = staff.new_org("mysql", label=f"Load {tag}")
    data.orgs.append(("mysql", org))

    stop = threading.Event()
    lock = threading.Lock()
    counts = {"votes_sent": 0, "votes_counted": 0, "groups_sent": 0, "groups_added": 0}
    max_votes, deadline = 3000, time.monotonic() + 120

    def bump(key):
        with lock:
            counts[key] += 1

    def voter(index):
        session = requests.Session()
        while not stop.is_set() and counts["votes_sent"] < max_votes and time.monotonic() < deadline:
            bump("votes_sent")
            if vote(session, deployed_site, question, choices[index % 2]):
                bump("votes_counted")

    def grouper():
        client = ApiClient(deployed_site.base_url)
        client.login(deployed_site.admin_user, deployed_site.admin_password)
        while not stop.is_set() and counts["groups_sent"] < 300 and time.monotonic() < deadline:
            bump("groups_sent")
            if client.post(f"orgs/{org}/groups/mysql", {"label": "Loaded"}).status_code == 201:
                bump("groups_added")

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(voter, i) for i in range(3)] + [pool.submit(grouper)]
        while counts["votes_counted"] < 30 or counts["groups_added"] < 5:
            time.sleep(0.05)
            assert time.monotonic() < deadline and not any(f.done() for f in futures), counts
        counted_before = counts["votes_counted"]
        started = time.monotonic()
        result = subprocess.run(["/usr/local/sbin/polls-backup"], capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        during = dict(counts)
        stop.set()
        for future in futures:
            future.result()
    assert result.returncode == 0, result.stdout + result.stderr
    name = result.stdout.strip().splitlines()[-1]
    data.sets.append(name)
    assert SET_NAME.fullmatch(name), result.stdout

    scratch = f"polls_backupcheck_{os.getpid()}"
    mariadb(f"CREATE DATABASE `{scratch}`", database="mysql")
    try:
        dump = gzip.decompress((BACKUP_DIR / name / "mariadb.sql.gz").read_bytes())
        load = subprocess.run(["mariadb", scratch], input=dump, capture_output=True, check=False)
        assert load.returncode == 0, load.stderr
        ((rev, groups),) = mariadb(
            f"SELECT o.chart_rev, (SELECT COUNT(*) FROM services_group g WHERE g.org_id = o.id) "
            f"FROM services_org o WHERE o.id = {int(org)}",
            database=scratch,
        )
        ((votes,),) = mariadb(f"SELECT SUM(votes) FROM polls_choice WHERE question_id = {question}", database=scratch)
    finally:
        mariadb(f"DROP DATABASE `{scratch}`", database="mysql")
    assert int(rev) == int(groups), f"chart_rev {rev} but {groups} groups: the dump is not one snapshot"
    assert counted_before <= int(votes) <= counts["votes_sent"], (votes, counted_before, counts)
    print(
        f"\nbackup under load: {seconds:.1f} s (polls-backup), {during['votes_sent'] - counted_before} votes "
        f"sent meanwhile; in the dump: {votes} votes (counted before: {counted_before}, sent in all: "
        f"{counts['votes_sent']}), {groups} groups = chart_rev {rev}"
    )


def test_daily_schedule_is_installed(deployed_site):
    cron = Path("/etc/cron.d/polls-backup")
    timer = Path("/etc/systemd/system/polls-backup.timer")
    assert cron.exists() or timer.exists()
    if cron.exists():
        line = next(
            line for line in cron.read_text().splitlines() if "polls-backup" in line and not line.startswith("#")
        )
        minute, hour, day, month, weekday, user, command = line.split(None, 6)
        assert (day, month, weekday, user) == ("*", "*", "*", "root") and hour.isdigit()
        assert command.startswith("/usr/local/sbin/polls-backup")
