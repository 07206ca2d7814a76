"""scripts/lib/bench.py's parsing and configuration helpers (no servers started)."""

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "bench", Path(__file__).resolve().parents[2] / "scripts" / "lib" / "bench.py"
)
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)

WRK = """Running 4s test @ http://127.0.0.1:8481/polls/
  1 threads and 16 connections
  Latency Distribution
     50%   17.14ms
     75%   20.00ms
     90%   30.00ms
     99%    1.49s
  3412 requests in 4.00s, 10.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 0
  Non-2xx or 3xx responses: 4
Requests/sec:    852.95
Transfer/sec:      2.50MB
"""


def test_parse_wrk():
    r = bench.parse_wrk(WRK)
    assert r["requests"] == 3412
    assert r["rps"] == 852.95
    assert r["p50_ms"] == 17.14
    assert r["p99_ms"] == 1490.0
    assert r["err_read"] == 2 and r["err_write"] == 1 and r["non2xx"] == 4
    assert r["errors"] == 7


def test_parse_wrk_units():
    assert bench._ms("250us") == 0.25
    assert bench._ms("2.5s") == 2500.0
    assert bench._ms("nonsense") is None


def test_summary_medians_and_ratios():
    row = {"rps": 0, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 1.0, "rss_mb": 1, "pss_mb": 1}
    samples = {
        ("daemon", "home"): [dict(row, rps=100), dict(row, rps=300), dict(row, rps=200)],
        ("gunicorn", "home"): [dict(row, rps=100, cpu_ms_per_req=2.0)] * 3,
    }
    table = bench.summarize(samples)
    assert table["home"]["daemon"]["rps"] == 200
    ratio = [r for r in bench.ratios(table) if r["what"] == "daemon/gunicorn"][0]
    assert ratio["rps"] == 2.0
    assert ratio["cpu"] == 2.0  # gunicorn spends twice the CPU per request
    assert not [r for r in bench.ratios(table) if "libpython" in r["what"]]


def test_each_round_keeps_its_wall_clock(monkeypatch, capsys):
    """A round that stands out can be matched with what else ran then."""
    row = {"rps": 100.0, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 1.0, "rss_mb": 1, "pss_mb": 1}
    monkeypatch.setattr(bench, "run_wrk", lambda *args: dict(row))
    monkeypatch.setattr(bench.time, "strftime", lambda fmt: "12:34:56")

    class Target:
        name = "daemon"

    samples = bench.measure_rounds([Target()], {"home": "/"}, 2, 1, 16, 1)
    assert bench.summarize(samples)["home"]["daemon"]["started_rounds"] == ["12:34:56", "12:34:56"]
    assert "round 1/2 12:34:56 home" in capsys.readouterr().err


def test_paired_ratios_compare_each_round_with_its_neighbour():
    # The load drifts between rounds: each round's pair ran back to back.
    row = {"rps": 0, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 1.0, "rss_mb": 1, "pss_mb": 1}
    samples = {
        ("daemon", "home"): [dict(row, rps=100, cpu_ms_per_req=1.0), dict(row, rps=300), dict(row, rps=200)],
        ("gunicorn", "home"): [
            dict(row, rps=50, cpu_ms_per_req=4.0),
            dict(row, rps=300, cpu_ms_per_req=1.0),
            dict(row, rps=400, cpu_ms_per_req=0.5),
        ],
    }
    ratio = [r for r in bench.ratios(bench.summarize(samples)) if r["what"] == "daemon/gunicorn"][0]
    assert ratio["rps"] == 200 / 300  # of the medians
    assert ratio["rps_paired"] == (1.0, 0.5, 2.0)  # rounds: 2.0, 1.0, 0.5
    assert ratio["cpu_paired"] == (1.0, 0.5, 4.0)  # gunicorn's CPU over ours, round by round
    assert bench.paired_ratios([1, None], [2, 2]) == (0.5, 0.5, 0.5)
    assert bench.paired_ratios([], [1]) is None


def test_ratios_against_gunicorn_on_libpython():
    row = {"rps": 100, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 1.0, "rss_mb": 1, "pss_mb": 1}
    samples = {
        ("daemon", "home"): [row],
        ("gunicorn", "home"): [dict(row, rps=50)],
        ("gunicorn_libpython", "home"): [dict(row, rps=200, cpu_ms_per_req=0.5)],
    }
    by_what = {r["what"]: r for r in bench.ratios(bench.summarize(samples))}
    assert by_what["daemon/gunicorn"]["rps"] == 2.0
    assert by_what["daemon/gunicorn_libpython"]["rps"] == 0.5
    assert by_what["daemon/gunicorn_libpython"]["cpu"] == 0.5


def test_a_variant_is_compared_with_daemon_mode_and_with_gunicorn():
    row = {"rps": 100, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 1.0, "rss_mb": 1, "pss_mb": 1}
    samples = {
        ("daemon", "home"): [row],
        ("variant", "home"): [dict(row, rps=110, cpu_ms_per_req=0.8)],
        ("gunicorn", "home"): [dict(row, rps=50)],
    }
    by_what = {r["what"]: r for r in bench.ratios(bench.summarize(samples))}
    assert by_what["variant/daemon"]["rps"] == 1.1
    assert by_what["variant/daemon"]["cpu"] == 1.0 / 0.8  # the variant spends less per request
    assert by_what["variant/daemon"]["rps_paired"] == (1.1, 1.1, 1.1)
    assert by_what["variant/gunicorn"]["rps"] == 2.2
    assert by_what["daemon/gunicorn"]["rps"] == 2.0


def test_the_variant_target_and_its_overrides_go_together():
    args = bench.parse_args(["--targets", "daemon,variant", "--variant", "polls_app_daemon_reload=touch"])
    assert args.targets == ["daemon", "variant"] and args.variant == ["polls_app_daemon_reload=touch"]
    for argv in (
        ["--targets", "daemon,variant"],
        ["--variant", "polls_app_daemon_reload=touch"],
        ["--targets", "daemon,variant", "--variant", "reload touch"],
    ):
        with pytest.raises(SystemExit):
            bench.parse_args(argv)


BURN = (
    "import sys, time\n"
    "t = time.process_time()\n"
    "while time.process_time() - t < 0.3: pass\n"
    "sys.stdout.write('x'); sys.stdout.flush(); time.sleep(60)\n"
)


def test_cpu_is_split_between_the_http_server_and_the_application_processes():
    # A server whose children are one plain worker (front) and one that names
    # itself "(wsgi:...)" as mod_wsgi's daemon processes do (app), and a
    # separate application server given as an app root, as gunicorn is.
    server = subprocess.Popen(
        ["bash", "-c", '"$1" -c "$0" & (exec -a "(wsgi:bench)" "$1" -c "$0") & wait', BURN, sys.executable],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    app_server = subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert server.stdout.read(2) == b"xx" and app_server.stdout.read(1) == b"x"
        front, app = bench.cpu_ticks({server.pid, app_server.pid}, {app_server.pid})
        second = bench.CLK_TCK
        assert 0.25 * second <= front < 0.5 * second  # the plain worker alone
        assert 0.5 * second <= app < 0.9 * second  # the daemon and the app server
    finally:
        for proc in (server, app_server):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_table_shows_the_cpu_split(capsys):
    row = {"rps": 100, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 0.3, "rss_mb": 1, "pss_mb": 1}
    samples = {
        ("daemon", "hello"): [
            dict(row, front_ms_per_req=f, app_ms_per_req=0.3 - f, client_ms_per_req=c)
            for f, c in ((0.1, 0.05), (0.12, 0.07), (0.14, 0.06))
        ],
        ("embedded", "hello"): [dict(row, front_ms_per_req=0.3, app_ms_per_req=0.0)],
    }
    bench.print_table(bench.summarize(samples), "t")
    lines = {line.split()[1]: line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("hello")}
    assert lines["daemon"][6:10] == ["0.300", "0.120", "0.180", "0.060"]  # medians of the rounds
    assert lines["embedded"][6:10] == ["0.300", "0.300", "-", "-"]  # no processes of its own, no wrk figure


def test_static_is_compared_with_hello_by_rate_and_by_cpu():
    row = {"rps": 100, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "cpu_ms_per_req": 0.12, "rss_mb": 1, "pss_mb": 1}
    samples = {
        ("daemon", "hello"): [row, dict(row, rps=120, cpu_ms_per_req=0.1)],
        ("daemon", "static"): [dict(row, rps=250, cpu_ms_per_req=0.04), dict(row, rps=240, cpu_ms_per_req=0.03)],
    }
    static = [r for r in bench.ratios(bench.summarize(samples)) if r["what"] == "static/hello"][0]
    assert static["page"] == "daemon"
    assert static["rps"] == 245 / 110
    assert static["cpu"] == 0.11 / 0.035  # a static file costs this many times less CPU
    assert static["rps_paired"] == (2.25, 2.0, 2.5)


def test_the_load_generators_cpu_is_counted_per_request(monkeypatch):
    class Target:
        base, roots, app_roots = "http://127.0.0.1:1", set(), set()

    real_run = subprocess.run

    def fake_wrk(command, **kwargs):
        # A child that burns CPU, as wrk does, then prints wrk's report.
        real_run([sys.executable, "-c", BURN.replace("time.sleep(60)", "pass")], check=True, capture_output=True)
        return subprocess.CompletedProcess(command, 0, WRK, "")

    monkeypatch.setattr(bench.subprocess, "run", fake_wrk)
    monkeypatch.setattr(bench, "memory_mb", lambda roots: (0, 0, 0))
    result = bench.run_wrk(Target(), "/polls/", 4, 16, 1)
    # 0.3 s of CPU over 3412 requests
    assert 0.3 * 1000 / 3412 <= result["client_ms_per_req"] < 0.6 * 1000 / 3412


@pytest.mark.skipif(not shutil.which("gcc") or not Path("/usr/bin/python3").exists(), reason="needs gcc (scripts/test)")
def test_libpython_launcher_runs_the_shared_interpreter_with_the_venvs_packages(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    marker = next((venv / "lib").glob("python3*")) / "site-packages" / "bench_marker.py"
    marker.write_text("HERE = True\n")
    python = bench.libpython_venv(str(venv), str(tmp_path / "libpython"))
    linked = subprocess.run(["ldd", python], capture_output=True, text=True, check=True).stdout
    assert "libpython3" in linked
    probe = "import sys, bench_marker; print(sys.prefix, sys.base_prefix, bench_marker.HERE)"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(tmp_path / "libpython"), "/usr", "True"]


def test_loaded_libpython_is_the_load_files_loadfile(tmp_path):
    (tmp_path / "mods-enabled").mkdir()
    load = tmp_path / "mods-enabled" / "wsgi_venv.load"
    assert bench.loaded_libpython(str(tmp_path)) is None
    load.write_text('# Ansible managed\nLoadModule wsgi_module "/srv/polls/venv/mod_wsgi.so"\n')
    assert bench.loaded_libpython(str(tmp_path)) is None
    load.write_text(
        '# Ansible managed\nLoadFile "/srv/polls/libpython/3.11.2-6+deb12u8/libpython3.11.so.1.0"\n'
        'LoadModule wsgi_module "/srv/polls/venv/mod_wsgi.so"\n'
    )
    assert bench.loaded_libpython(str(tmp_path)) == "/srv/polls/libpython/3.11.2-6+deb12u8/libpython3.11.so.1.0"


@pytest.mark.skipif(not shutil.which("gcc") or not Path("/usr/bin/python3").exists(), reason="needs gcc (scripts/test)")
def test_libpython_launcher_finds_the_given_library_first(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    query = "import sysconfig; print(sysconfig.get_config_var('LIBDIR'), sysconfig.get_config_var('INSTSONAME'))"
    libdir, soname = subprocess.check_output(["/usr/bin/python3", "-c", query], text=True).split()
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(Path(libdir) / soname, other / soname)
    python = bench.libpython_venv(str(venv), str(tmp_path / "libpython"), str(other / soname))
    linked = subprocess.run(["ldd", python], capture_output=True, text=True, check=True).stdout
    assert f"{soname} => {other / soname}" in linked
    assert subprocess.run([python, "-c", "print(1 + 1)"], capture_output=True, text=True, check=True).stdout == "2\n"


def test_hello_is_mounted_ahead_of_django(tmp_path):
    conf = tmp_path / "polls-site.conf"
    conf.write_text("<VirtualHost *:*>\n    WSGIScriptAlias / /srv/polls/polls.wsgi\n</VirtualHost>\n")
    bench.add_hello(str(conf), "/tmp/x/hello/bench_hello.py")
    text = conf.read_text()
    assert text.index("WSGIScriptAlias /__bench/hello") < text.index("WSGIScriptAlias / /srv")
    # In the site's own process group and interpreter.
    options = " process-group=polls application-group=%{GLOBAL}"
    conf.write_text(f"<VirtualHost *:*>\n    WSGIScriptAlias / /srv/polls/polls.wsgi{options}\n</VirtualHost>\n")
    bench.add_hello(str(conf), "/tmp/x/hello/bench_hello.py")
    assert f"WSGIScriptAlias /__bench/hello /tmp/x/hello/bench_hello.py{options}\n" in conf.read_text()
    conf.write_text("<VirtualHost *:*>\n</VirtualHost>\n")
    with pytest.raises(bench.BenchError):
        bench.add_hello(str(conf), "/tmp/x/hello/bench_hello.py")


def test_each_mode_runs_under_its_own_mpm(tmp_path):
    """The deployed server's modules, with its MPM replaced by the mode's."""
    for folder in ("mods-enabled", "mods-available"):
        (tmp_path / folder).mkdir()
    for name in ("mpm_event.load", "mpm_event.conf", "mpm_worker.load", "mpm_worker.conf", "ssl.load", "ssl.conf"):
        (tmp_path / "mods-available" / name).write_text("")
    for name in ("mpm_event.load", "mpm_event.conf", "ssl.load", "ssl.conf", "wsgi_venv.load"):
        (tmp_path / "mods-enabled" / name).write_text("")
    loads = bench.module_includes("load", "worker", etc=str(tmp_path))
    assert loads == [
        f"Include {tmp_path}/mods-enabled/ssl.load",
        f"Include {tmp_path}/mods-enabled/wsgi_venv.load",
        f"Include {tmp_path}/mods-available/mpm_worker.load",
    ]
    confs = bench.module_includes("conf", "event", etc=str(tmp_path))
    assert confs == [f"Include {tmp_path}/mods-enabled/ssl.conf", f"Include {tmp_path}/mods-available/mpm_event.conf"]


def test_daemon_sizing_is_read_from_the_rendered_vhost(tmp_path):
    conf = tmp_path / "polls-site.conf"
    conf.write_text("WSGIDaemonProcess polls \\\n  processes=3 threads=4 \\\n")
    assert bench.daemon_sizing(str(conf)) == (3, 4)


@pytest.mark.parametrize(
    "argv",
    [
        ["--seconds", "0"],
        ["--rounds", "99"],
        ["--targets", "uwsgi"],
        ["--pages", "nope"],
        ["--scaling-levels", "1,x"],
        ["--set", "rm -rf /"],
    ],
)
def test_bad_options_are_refused(argv):
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(argv)
    assert exc.value.code == 2


def test_defaults():
    args = bench.parse_args([])
    assert args.targets == ["daemon", "embedded", "gunicorn"]
    assert bench.parse_args(["--targets", "daemon,gunicorn_libpython"]).targets == ["daemon", "gunicorn_libpython"]
    assert args.scaling_levels == [1, 16, 64, 256]
    assert "hello" in args.pages and "healthz" in args.pages


HTTPS_SITE = """<VirtualHost *:443>
    SSLEngine on
    SSLCertificateFile /etc/ssl/polls/cert.pem
    SSLCertificateKeyFile /etc/ssl/polls/key.pem
    WSGIDaemonProcess polls \\
        processes=2 threads=5 \\
        python-home=/srv/polls/venv \\
        python-path=/srv/polls/current \\
        home=/srv/polls/current
    WSGIScriptAlias / /srv/polls/polls.wsgi
    Alias /static/ /srv/polls/current/staticfiles/
</VirtualHost>

<VirtualHost *:80>
    RewriteEngine On
    WSGIScriptAlias / /srv/polls/polls.wsgi
</VirtualHost>
"""


def test_site_layout_from_the_rendered_vhost(tmp_path):
    conf = tmp_path / "polls-site.conf"
    conf.write_text(HTTPS_SITE)
    assert bench.site_layout(str(conf)) == {
        "venv": "/srv/polls/venv",
        "code": "/srv/polls/current",
        "static": "/srv/polls/current/staticfiles",
        "tls": True,
        "cert": "/etc/ssl/polls/cert.pem",
        "key": "/etc/ssl/polls/key.pem",
    }
    conf.write_text(HTTPS_SITE.replace("python-home", "pythonhome"))
    with pytest.raises(bench.BenchError):
        bench.site_layout(str(conf))


def test_https_site_is_moved_to_the_bench_port(tmp_path):
    conf = tmp_path / "polls-site.conf"
    conf.write_text(HTTPS_SITE)
    bench.serve_on_port(str(conf), 8481)
    text = conf.read_text()
    assert "<VirtualHost *:8481>" in text and "*:443" not in text
    assert "*:80>" not in text and "RewriteEngine" not in text  # the redirecting host is gone
    assert text.count("WSGIScriptAlias /") == 1
    plain = "<VirtualHost *:*>\n    WSGIScriptAlias / /srv/polls/polls.wsgi\n</VirtualHost>\n"
    conf.write_text(plain)
    bench.serve_on_port(str(conf), 8481)
    assert conf.read_text() == plain
