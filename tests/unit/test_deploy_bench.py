"""scripts/lib/deploy_bench.py's parsing and process accounting (nothing deployed or started)."""

import importlib.util
import os
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "deploy_bench", Path(__file__).resolve().parents[2] / "scripts" / "lib" / "deploy_bench.py"
)
deploy_bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(deploy_bench)

RECAP = """\
TASK [Tell where to browse] ****************************************************
ok: [localhost] =>
  msg: done

PLAY RECAP *********************************************************************
db                         : ok=20   changed=1    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0
localhost                  : ok=164  changed=0    unreachable=0    failed=0    skipped=26   rescued=0    ignored=0

TASKS RECAP ********************************************************************
Monday 23 November 2026  19:32:58 +0000 (0:00:00.029)       0:01:51.212 *******
"""

SMAPS_ROLLUP = """\
55d0c5a2d000-7ffd5e7f4000 ---p 00000000 00:00 0                          [rollup]
Rss:              108264 kB
Pss:              102340 kB
Pss_Dirty:         83784 kB
Pss_Anon:          83760 kB
"""


def test_parse_recap_sums_every_host():
    recap = deploy_bench.parse_recap(RECAP)
    assert recap["ok"] == 184
    assert recap["changed"] == 1
    assert recap["skipped"] == 29
    assert recap["failed"] == 0


def test_parse_recap_without_a_recap():
    with pytest.raises(ValueError):
        deploy_bench.parse_recap("TASK [x] ***\nfatal: [localhost]: FAILED!\n")


def test_parse_smaps_rollup():
    assert deploy_bench.parse_smaps_rollup(SMAPS_ROLLUP) == {"rss": 108264, "pss": 102340}
    with pytest.raises(ValueError):
        deploy_bench.parse_smaps_rollup("Size: 4 kB\n")


@pytest.mark.parametrize(
    ("comm", "cmdline", "user", "service"),
    [
        ("apache2", ["/usr/sbin/apache2", "-k", "start"], "root", "apache"),
        ("apache2", ["(wsgi:polls)     ", "-k", "start"], "polls", "mod_wsgi daemons"),
        ("mariadbd", ["/usr/sbin/mariadbd"], "mysql", "mariadb"),
        ("redis-server", ["/usr/bin/redis-server 127.0.0.1:6379"], "redis", "redis"),
        ("beam.smp", ["/usr/lib/erlang/erts-13.1.5/bin/beam.smp"], "rabbitmq", "rabbitmq"),
        ("epmd", ["/usr/bin/epmd", "-daemon"], "epmd", "rabbitmq"),
        (
            "swift-proxy-ser",
            ["/usr/bin/python3", "/usr/bin/swift-proxy-server", "/etc/swift/proxy-server.conf"],
            "swift",
            "swift",
        ),
        ("memcached", ["/usr/bin/memcached", "-m", "64"], "memcache", "memcached"),
        (
            "nx-27017",
            ["/opt/nx-27017/bin/python3", "/opt/nx-27017/bin/nx-27017", "--port", "27017"],
            "nx-27017",
            "nx-27017",
        ),
        # A throwaway server of the test suite, not the deployed one.
        ("nx-27017", ["/opt/polls-tools/test/bin/python3", "/opt/polls-tools/test/bin/nx-27017"], "root", None),
        ("python3", ["/usr/bin/python3", "-m", "http.server"], "root", None),
        ("bash", ["bash"], "root", None),
    ],
)
def test_classify(comm, cmdline, user, service):
    assert deploy_bench.classify(comm, cmdline, user) == service


def fake_process(proc, pid, ns, comm, cmdline, uid, rss, pss):
    base = proc / str(pid)
    (base / "ns").mkdir(parents=True)
    os.symlink(ns, base / "ns" / "pid")
    (base / "comm").write_text(comm + "\n")
    (base / "cmdline").write_text("\0".join(cmdline) + "\0")
    (base / "status").write_text(f"Name:\t{comm}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n")
    (base / "smaps_rollup").write_text(f"Rss: {rss} kB\nPss: {pss} kB\n")


def test_stack_memory_sums_by_service_in_this_namespace_only(tmp_path):
    proc = tmp_path / "proc"
    (proc / "self" / "ns").mkdir(parents=True)
    os.symlink("pid:[1]", proc / "self" / "ns" / "pid")
    fake_process(proc, 10, "pid:[1]", "apache2", ["/usr/sbin/apache2", "-k", "start"], 0, 10000, 4000)
    fake_process(proc, 11, "pid:[1]", "apache2", ["/usr/sbin/apache2", "-k", "start"], 0, 8000, 2000)
    fake_process(proc, 12, "pid:[1]", "apache2", ["(wsgi:polls)", "-k", "start"], 0, 60000, 50000)
    fake_process(
        proc, 20, "pid:[1]", "swift-object-se", ["/usr/bin/python3", "/usr/bin/swift-object-server"], 0, 70000, 52000
    )
    # A container's Swift (another PID namespace) and a process of no service.
    fake_process(
        proc, 30, "pid:[2]", "swift-object-se", ["/usr/bin/python3", "/usr/bin/swift-object-server"], 0, 70000, 52000
    )
    fake_process(proc, 40, "pid:[1]", "bash", ["bash"], 0, 4000, 1000)
    # A process that ended between the listing and the read.
    (proc / "50").mkdir()

    usage = deploy_bench.stack_memory(str(proc))

    assert usage == {
        "apache": {"processes": 2, "rss": 18000, "pss": 6000},
        "mod_wsgi daemons": {"processes": 1, "rss": 60000, "pss": 50000},
        "swift": {"processes": 1, "rss": 70000, "pss": 52000},
    }


def test_print_memory_totals(capsys):
    total = deploy_bench.print_memory(
        {
            "swift": {"processes": 4, "rss": 300 * 1024, "pss": 200 * 1024},
            "redis": {"processes": 1, "rss": 10 * 1024, "pss": 5 * 1024},
        }
    )
    assert total == {"processes": 5, "rss": 310 * 1024, "pss": 205 * 1024}
    out = capsys.readouterr().out
    assert out.index("redis") < out.index("swift")
    assert "total                  5    310.0    205.0" in out


def test_format_duration():
    assert deploy_bench.format_duration(38.04) == "38.0 s"
    assert deploy_bench.format_duration(149.0) == "2 min 29.0 s"


def test_parse_args():
    args = deploy_bench.parse_args(["--deploy", "--runs", "3", "--", "-e", "x=1"])
    assert args.deploy and args.runs == 3 and args.deploy_args == ["-e", "x=1"]
    with pytest.raises(SystemExit):
        deploy_bench.parse_args(["--deploy", "--runs", "0"])
    with pytest.raises(SystemExit):
        deploy_bench.parse_args([])


def test_recap_by_host_reads_the_last_recap_of_every_host():
    output = (
        "PLAY RECAP ***\nweb1 : ok=3 changed=2 unreachable=0 failed=0\n\n"
        "TASK [later] ***\nok: [web1]\n\n"
        "PLAY RECAP ***\n"
        "web1                       : ok=50   changed=0    unreachable=0    failed=0    skipped=4\n"
        "db                         : ok=27   changed=1    unreachable=0    failed=0    skipped=2\n"
        "\nSunday 22 November 2026  total\n"
    )
    hosts = deploy_bench.recap_by_host(output)
    assert hosts == {
        "web1": {"ok": 50, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 4},
        "db": {"ok": 27, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 2},
    }
    assert deploy_bench.parse_recap(output)["ok"] == 77
    assert deploy_bench.recap_by_host("no recap here") == {}
