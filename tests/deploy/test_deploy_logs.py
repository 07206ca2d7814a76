"""Logs rotate daily, compressed, and a forced rotation under load loses no
request: Apache's files are copied and truncated in place (Apache is never
restarted for it), and Django reopens its moved log."""

import re
import subprocess
from pathlib import Path

import pytest
import requests

from deploylib import BoundedLoad, apache_pid, polls_manage, wait_until

pytestmark = pytest.mark.deploy
APACHE_LOGS = Path("/var/log/apache2")
DJANGO_LOG = Path("/var/log/polls/mysite.log")


def logrotate(config):
    result = subprocess.run(["logrotate", "-f", config], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("config", ["/etc/logrotate.d/apache2", "/etc/logrotate.d/polls"])
def test_rotation_is_daily_compressed_and_bounded(deployed_site, config):
    text = Path(config).read_text()
    assert re.search(r"^\s*daily$", text, re.M) and re.search(r"^\s*compress$", text, re.M)
    assert int(re.search(r"^\s*rotate (\d+)$", text, re.M).group(1)) > 0


def test_apache_is_never_restarted_for_its_logs(deployed_site):
    """A graceful restart rebinds mod_wsgi's daemon socket and loses requests;
    copytruncate leaves Apache alone. Django's handler reopens by itself, so
    its log is moved, never copied (no lines lost)."""
    apache = "\n".join(line for line in Path("/etc/logrotate.d/apache2").read_text().splitlines() if "#" not in line)
    assert re.search(r"^\s*copytruncate$", apache, re.M)
    assert "postrotate" not in apache and "apache2ctl" not in apache and "kill" not in apache
    assert "copytruncate" not in Path("/etc/logrotate.d/polls").read_text()


def test_forced_rotation_under_load_loses_no_request(deployed_site):
    requests.get(deployed_site.url("/"), timeout=10)
    apache_before = apache_pid()
    access_log = APACHE_LOGS / "polls-access.log"
    with BoundedLoad(deployed_site.url("/polls/"), workers=6, max_seconds=120) as load:
        for _ in range(2):  # twice: the second compresses the first (delaycompress)
            logrotate("/etc/logrotate.d/apache2")
            logrotate("/etc/logrotate.d/polls")
            wait_until(
                lambda: access_log.stat().st_size > 0,
                timeout=30,
                what="Apache to write into its truncated access log",
            )
    print(f"\nforced log rotation (twice) under load: {load.result.summary()}")
    assert load.result.requests > 50, load.result.summary()
    assert load.result.failed == 0, load.result.failures
    assert apache_pid() == apache_before
    assert (APACHE_LOGS / "polls-access.log.1").exists() and (APACHE_LOGS / "polls-access.log.2.gz").exists()
    # Apache appends: after the truncation it writes from the file's start, so
    # the live file holds whole lines only, not a hole of zero bytes.
    head = access_log.read_bytes()[:200]
    assert head and b"\0" not in head, head[:80]


def test_django_writes_to_the_new_log_after_rotation(deployed_site):
    logrotate("/etc/logrotate.d/polls")
    assert DJANGO_LOG.exists() and DJANGO_LOG.stat().st_size == 0
    assert DJANGO_LOG.stat().st_uid == __import__("pwd").getpwnam("polls").pw_uid
    created = polls_manage(
        "shell",
        "-c",
        "from django.utils import timezone; from polls.models import Question; "
        "print(Question.objects.create(question_text='Log probe?', pub_date=timezone.now()).pk)",
    )
    assert created.returncode == 0, created.stderr
    qid = created.stdout.strip().splitlines()[-1]
    try:
        session = requests.Session()
        page = session.get(deployed_site.url(f"/polls/{qid}/"), timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        # A vote without a choice: the polls view logs it.
        session.post(
            deployed_site.url(f"/polls/{qid}/vote/"),
            data={"csrfmiddlewaretoken": token},
            headers=deployed_site.referer(f"/polls/{qid}/"),
            timeout=10,
        )
        wait_until(
            lambda: "vote without a choice" in DJANGO_LOG.read_text(),
            timeout=10,
            what="Django to log into the new file",
        )
    finally:
        polls_manage("shell", "-c", f"from polls.models import Question; Question.objects.filter(pk={qid}).delete()")
