"""Deploy speed and the stack's footprint: `scripts/bench --deploy` and
`scripts/bench --memory`.

--deploy  runs scripts/deploy (warm-up runs first, so that the timed runs are
          re-runs on a converged host), prints each timed run's wall time and
          its PLAY RECAP counts, their median, then the memory figures below.
--memory  prints only the idle memory of the deployed stack on this machine,
          by service: the processes of each service (Apache and its mod_wsgi
          daemons, MariaDB, Redis, RabbitMQ with epmd, Swift's servers,
          memcached, nx-27017 ...), their summed RSS and PSS, and the totals.
          PSS splits each shared page between the processes sharing it, so the
          PSS total is what the stack costs the machine; RSS counts shared
          pages (libraries, forked children) once per process.

Only processes of this machine's own PID namespace count: containers running
on it (test machines) have their own. Figures are printed, never judged.
--deploy changes the machine's stack like scripts/deploy does: nothing else
should deploy to it meanwhile.
"""

import argparse
import os
import pwd
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(REPO_ROOT, "scripts", "deploy")

# Printed in this order; processes matching none of them are not the stack's.
SERVICES = (
    "apache",
    "mod_wsgi daemons",
    "mariadb",
    "redis",
    "rabbitmq",
    "swift",
    "memcached",
    "nx-27017",
    "mongodb",
    "haproxy",
)

# comm (the kernel's 15-character process name) -> service.
_BY_COMM = {
    "mariadbd": "mariadb",
    "mysqld": "mariadb",
    "mysqld_safe": "mariadb",
    "mariadbd-safe": "mariadb",
    "redis-server": "redis",
    # RabbitMQ runs in an Erlang VM, with epmd (the Erlang port mapper) and
    # the VM's helper processes beside it.
    "beam.smp": "rabbitmq",
    "epmd": "rabbitmq",
    "erl_child_setup": "rabbitmq",
    "inet_gethost": "rabbitmq",
    "memcached": "memcached",
    "mongod": "mongodb",
    "haproxy": "haproxy",
}

RECAP_RE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


def classify(comm, cmdline, user):
    """The service a process belongs to, or None. `cmdline` is its argv."""
    if comm == "apache2":
        # mod_wsgi names its daemon processes "(wsgi:<group>)".
        if cmdline and cmdline[0].startswith("(wsgi:"):
            return "mod_wsgi daemons"
        return "apache"
    if comm.startswith("swift-"):
        return "swift"
    if comm == "nx-27017" or any(os.path.basename(arg) == "nx-27017" for arg in cmdline[:2]):
        # The deployed server runs as its own user; the test suite starts
        # throwaway ones as root.
        return "nx-27017" if user != "root" else None
    return _BY_COMM.get(comm)


def parse_smaps_rollup(text):
    """{'rss': kB, 'pss': kB} from /proc/<pid>/smaps_rollup."""
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key.lower()] = int(rest.split()[0])
    if set(values) != {"rss", "pss"}:
        raise ValueError("no Rss/Pss lines in smaps_rollup")
    return values


def recap_by_host(output):
    """PLAY RECAP counts of the last recap in the output, by host:
    {'web1': {'ok': 50, 'changed': 0, ...}, ...}; {} when there is none."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("PLAY RECAP")]
    hosts = {}
    for line in lines[starts[-1] + 1 :] if starts else []:
        match = RECAP_RE.match(line.strip())
        if not match:
            if hosts:
                break
            continue
        hosts[match.group("host")] = {
            key: int(value) for key, value in (pair.split("=") for pair in match.group("counts").split())
        }
    return hosts


def parse_recap(output):
    """Summed PLAY RECAP counts of every host, e.g. {'ok': 150, 'changed': 0, ...}.

    Raises ValueError when the output has no recap (the run did not finish).
    """
    if not any(line.startswith("PLAY RECAP") for line in output.splitlines()):
        raise ValueError("no PLAY RECAP in the output")
    totals = {}
    for counts in recap_by_host(output).values():
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    if not totals:
        raise ValueError("an empty PLAY RECAP")
    return totals


def _read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def _uid_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def stack_memory(proc="/proc"):
    """{service: {'processes': n, 'rss': kB, 'pss': kB}} of this PID namespace."""
    own_ns = os.readlink(os.path.join(proc, "self", "ns", "pid"))
    usage = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        base = os.path.join(proc, entry)
        try:
            if os.readlink(os.path.join(base, "ns", "pid")) != own_ns:
                continue
            comm = _read(os.path.join(base, "comm")).strip()
            cmdline = [a for a in _read(os.path.join(base, "cmdline")).split("\0") if a]
            uid = int(re.search(r"^Uid:\s+(\d+)", _read(os.path.join(base, "status")), re.M).group(1))
            service = classify(comm, cmdline, _uid_name(uid))
            if service is None:
                continue
            mem = parse_smaps_rollup(_read(os.path.join(base, "smaps_rollup")))
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, AttributeError):
            continue  # gone meanwhile, a kernel thread, or not readable
        entry_usage = usage.setdefault(service, {"processes": 0, "rss": 0, "pss": 0})
        entry_usage["processes"] += 1
        entry_usage["rss"] += mem["rss"]
        entry_usage["pss"] += mem["pss"]
    return usage


def print_memory(usage):
    print("Idle memory of the stack (this machine's processes), MiB:")
    print(f"  {'service':<18} {'procs':>5} {'RSS':>8} {'PSS':>8}")
    total = {"processes": 0, "rss": 0, "pss": 0}
    for service in SERVICES:
        if service not in usage:
            continue
        u = usage[service]
        print(f"  {service:<18} {u['processes']:>5} {u['rss'] / 1024:>8.1f} {u['pss'] / 1024:>8.1f}")
        for key in total:
            total[key] += u[key]
    print(f"  {'total':<18} {total['processes']:>5} {total['rss'] / 1024:>8.1f} {total['pss'] / 1024:>8.1f}")
    return total


def run_deploy(args, log_dir, name):
    """Run scripts/deploy once; (wall seconds, recap, log path)."""
    log_path = os.path.join(log_dir, f"{name}.log")
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.run([DEPLOY, *args], stdout=log, stderr=subprocess.STDOUT, check=False)
    seconds = time.monotonic() - started
    output = _read(log_path)
    try:
        recap = parse_recap(output)
    except ValueError:
        recap = None
    if proc.returncode != 0 or recap is None or recap.get("failed", 0) or recap.get("unreachable", 0):
        raise SystemExit(f"scripts/deploy failed (exit {proc.returncode}); its output: {log_path}")
    return seconds, recap, log_path


def format_duration(seconds):
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:04.1f} s" if minutes else f"{rest:.1f} s"


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="scripts/bench --deploy|--memory",
        description="No-op playbook wall time and the stack's idle memory by service.",
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--deploy", action="store_true", help="time re-runs of scripts/deploy, then print the memory")
    mode.add_argument("--memory", action="store_true", help="only print the stack's idle memory")
    p.add_argument(
        "--runs", type=int, default=2, help="timed runs of scripts/deploy; the median is printed (default 2)"
    )
    p.add_argument(
        "--warmup", type=int, default=1, help="untimed runs first, so the timed ones find a converged host (default 1)"
    )
    p.add_argument(
        "--settle", type=float, default=10, help="seconds to wait after the last run before reading memory (default 10)"
    )
    p.add_argument(
        "--log-dir", default=None, help="where the runs' output goes (default a new /tmp/polls-bench-deploy-*)"
    )
    p.add_argument("deploy_args", nargs="*", metavar="-- ARGS", help="passed to scripts/deploy (after --)")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmup < 0 or args.settle < 0:
        p.error("--runs must be at least 1, --warmup and --settle at least 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.deploy:
        log_dir = args.log_dir or tempfile.mkdtemp(prefix="polls-bench-deploy-")
        os.makedirs(log_dir, exist_ok=True)
        for i in range(args.warmup):
            seconds, recap, _ = run_deploy(args.deploy_args, log_dir, f"warmup-{i + 1}")
            print(f"warm-up run {i + 1}: {format_duration(seconds)}  changed={recap.get('changed', 0)}", flush=True)
        # The machine may be shared: its load says how far the times are its own.
        print(f"load average before the timed runs: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)", flush=True)
        times = []
        for i in range(args.runs):
            seconds, recap, log_path = run_deploy(args.deploy_args, log_dir, f"run-{i + 1}")
            times.append(seconds)
            note = "" if recap.get("changed", 0) == 0 else "  (not a no-op: see " + log_path + ")"
            print(
                f"timed run {i + 1}: {format_duration(seconds)}  ok={recap.get('ok', 0)} "
                f"changed={recap.get('changed', 0)} skipped={recap.get('skipped', 0)}  "
                f"load average after it {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs){note}",
                flush=True,
            )
        print(
            f"No-op playbook run, median of {len(times)}: {format_duration(statistics.median(times))} (logs: {log_dir})"
        )
        if args.settle:
            time.sleep(args.settle)
    print_memory(stack_memory())
    return 0


if __name__ == "__main__":
    sys.exit(main())
