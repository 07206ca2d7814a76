"""polls_app_libpython_optimized: mod_wsgi on a PGO+LTO build of Debian's
Python source, loaded by Apache before mod_wsgi; and back to Debian's library.

The build compiles Python (about 5 minutes on 2 cores), from the source of
the installed Debian version, fetched from the host's apt mirrors. This
machine's mirror serves the source of Debian's main suite only, not of its
security updates, so the tests first install the python3.11 packages of the
newest version whose source the mirror does serve (`source_version_served`).

Marked mode_switch: run after the tests of the deployed stack (it restarts
Apache twice); the last test puts the deployment back on Debian's library.
"""

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from deploylib import assert_playbook_ok, daemon_processes, run_playbook, wait_for_http
from runtime.info import mapped_libpythons

pytestmark = [pytest.mark.deploy, pytest.mark.mode_switch]

ON = ("-e", '{"polls_app_libpython_optimized": true}')
LIBPYTHON_DIR = Path("/srv/polls/libpython")
DEBIAN_LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
LOAD_FILE = Path("/etc/apache2/mods-available/wsgi_venv.load")
SOURCE_PACKAGE = "python3.11"


BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "ansible/roles/polls_app/files/build-libpython"


def source_version_served():
    """The newest version of python3.11 whose source the mirrors serve, as the
    role's build script finds it (an index may list versions whose files are
    missing)."""
    versions = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--source-versions"], check=True, capture_output=True, text=True
    ).stdout.split()
    if not versions:
        pytest.fail(f"the mirrors serve no source of {SOURCE_PACKAGE}")
    return versions[0]


def install_python_version(version):
    """Every installed binary package of python3.11's source, at `version`."""
    listing = subprocess.run(
        ["dpkg-query", "-W", "-f", "${binary:Package} ${source:Package} ${db:Status-Status}\n"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    packages = [
        name.split(":")[0]
        for name, source, status in (line.split() for line in listing.splitlines() if line.count(" ") == 2)
        if source == SOURCE_PACKAGE and status == "installed"
    ]
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--allow-downgrades", *[f"{p}={version}" for p in packages]],
        check=True,
        capture_output=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def libpythons_mapped():
    """The libpython files mapped by Apache's parent and its mod_wsgi daemons."""
    pids = [Path("/run/apache2/apache2.pid").read_text().strip()] + [pid for pid, _user in daemon_processes()]
    return {library for pid in pids for library in mapped_libpythons(f"/proc/{pid}/maps")}


@contextlib.contextmanager
def sigint_ignored():
    """SIGINT ignored, as a job started in the background of a non-interactive
    shell (a CI runner's) inherits it: the build must not depend on how the
    deploy was started (CPython's training run raises SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def runtime(site):
    return requests.get(site.url("/runtime/json"), timeout=10).json()


def pages_answer(site):
    for path in ("/", "/polls/", "/services/", "/runtime/", "/healthz"):
        response = requests.get(site.url(path), timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code}"


def test_optimized_libpython_is_built_and_loaded(deployed_site):
    version = source_version_served()
    install_python_version(version)
    started = time.time()
    with sigint_ignored():
        run = run_playbook(*ON, name="deploy-libpython")
    assert_playbook_ok(run)
    wait_for_http(deployed_site.url("/"))
    # Built in the play that runs on every web server at once, not in the
    # rolling one, where each server would compile in turn out of the pool.
    build = "polls_app : Build the optimized libpython (about 5 minutes on 2 cores, once per version)"
    assert [play for play, task in run.changes() if task == build] == [
        "Packages and builds of the web servers, on all of them at once"
    ]

    library = LIBPYTHON_DIR / version / "libpython3.11.so.1.0"
    assert library.is_file(), sorted(map(str, LIBPYTHON_DIR.glob("*/*")))
    assert library.stat().st_mtime >= started, "the library was not built by this run"
    assert [p.name for p in LIBPYTHON_DIR.iterdir()] == [version]
    # The same SONAME as Debian's, so mod_wsgi's own dependency resolves to it.
    dynamic = subprocess.run(["objdump", "-p", str(library)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"SONAME\s+libpython3\.11\.so\.1\.0", dynamic)
    assert library.read_bytes() != Path(DEBIAN_LIBPYTHON).read_bytes()
    assert f'LoadFile "{library}"' in LOAD_FILE.read_text().splitlines()

    assert libpythons_mapped() == {str(library)}
    info = runtime(deployed_site)
    assert info["mode"] == "daemon"
    assert info["libpython"] == str(library)
    pages_answer(deployed_site)


def test_optimized_libpython_rerun_builds_nothing(deployed_site):
    run = run_playbook(*ON, name="deploy-libpython-again")
    assert_playbook_ok(run)
    assert run.recap()["changed"] == 0, run.changed_tasks()


def test_back_to_debians_libpython(deployed_site):
    run = run_playbook(name="deploy-debian-libpython")
    assert_playbook_ok(run)
    wait_for_http(deployed_site.url("/"))
    assert not LIBPYTHON_DIR.exists()
    assert "LoadFile" not in LOAD_FILE.read_text()
    assert libpythons_mapped() == {DEBIAN_LIBPYTHON}
    assert runtime(deployed_site)["libpython"] == DEBIAN_LIBPYTHON
    pages_answer(deployed_site)
