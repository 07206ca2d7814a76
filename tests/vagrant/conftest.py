"""`vagrant up` for real, on this machine: the project's Vagrantfile with Debian's
vagrant-lxc (a system container with systemd as PID 1), provisioned by
ansible_local exactly as a student's VM is.

The `vagrant_vm` fixture sets up the lab (tests/lab: the two vagrant-lxc fixes,
a DHCP bridge for eth0, the private network's bridge, the package proxy, the
cached box), runs `vagrant up --provider=lxc` in a copy of the working tree,
and in teardown -- also when something failed -- destroys the machine and
undoes the lab. The guests reach packages only through the proxy: no NAT, no
forwarding. Each phase's duration is printed at the end of the run.
"""

import functools
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy_bench import recap_by_host
from phase_timing import step

REPO_ROOT = Path(__file__).resolve().parents[2]
LAB = REPO_ROOT / "tests" / "lab"
LOG_DIR = Path(os.environ.get("POLLS_TEST_LOG_DIR", "/tmp/polls-test-logs"))

# eth0 (Vagrant's SSH, the proxy) and the Vagrantfile's private network.
ETH0_BRIDGE, ETH0_CIDR = "vlxcbr0", "10.0.4.1/24"
PRIVATE_BRIDGE, PRIVATE_CIDR = "vlxcbr1", "192.168.56.1/24"
PROXY_NAME, PROXY_ADDR, PROXY_PORT = "vagrant", "10.0.4.1", 3142
GUEST_URL = "https://192.168.56.101"
GUEST_CA = "/etc/apache2/tls/ca.crt"  # the local CA the httpd role makes in the VM
HOST_NET_TAG = "vagrant-test"
PACKAGES = ["vagrant", "vagrant-lxc", "lxc", "debootstrap", "tinyproxy", "dnsmasq-base", "rsync"]

phase = functools.partial(step, "vagrant up on LXC: phases")


@dataclass
class VagrantRun:
    returncode: int
    output: str
    log: Path

    def recap(self):
        """The PLAY RECAP counters of the guest, e.g. {'ok': 160, 'changed': 0, ...}."""
        # Vagrant may prefix the provisioner's lines with the machine's name.
        hosts = recap_by_host(re.sub(r"(?m)^\s*default: ", "", self.output))
        assert len(hosts) == 1, f"expected the guest's PLAY RECAP, found {sorted(hosts)}; see {self.log}"
        return next(iter(hosts.values()))

    def changed_tasks(self):
        names, current = [], None
        for line in self.output.splitlines():
            line = re.sub(r"^\s*default: ", "", line)
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                current = line.split("[", 1)[1].rsplit("]", 1)[0]
            elif line.startswith("changed:") and current:
                names.append(current)
        return names

    def assert_ok(self):
        tail = "\n".join(self.output.splitlines()[-40:])
        assert self.returncode == 0, f"vagrant failed (full log: {self.log}):\n{tail}"


@dataclass
class VagrantVM:
    workdir: Path
    env: dict
    guest_url: str = GUEST_URL
    up: VagrantRun | None = None
    runs: list = field(default_factory=list)

    def vagrant(self, *args, name, extra_env=None, check=False, timed=True):
        """Run vagrant in the copy; the output (stdout and stderr) is kept in LOG_DIR."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = LOG_DIR / f"vagrant-{name}-{int(time.time())}.log"
        # Into a file, not a pipe: the port forwarder (redir) that `vagrant up`
        # leaves running inherits the output and would hold a pipe open.
        with phase(f"vagrant {args[0]} ({name})") if timed else nullcontext(), log.open("wb") as out:
            proc = subprocess.run(
                ["vagrant", *args],
                cwd=self.workdir,
                env={**self.env, **(extra_env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        output = log.read_text(errors="replace")
        run = VagrantRun(proc.returncode, output, log)
        if check:
            run.assert_ok()
        return run

    def ssh(self, command):
        """The command's output in the guest (no tty: no "Connection closed" line)."""
        run = self.vagrant("ssh", "--no-tty", "-c", command, name="ssh", timed=False)
        run.assert_ok()
        return run.output

    def forwarded_port(self):
        """The host port Vagrant chose for the guest's port 80 (8080 unless taken), as
        `vagrant up` reported it (vagrant-lxc does not implement `vagrant port`)."""
        ports = re.findall(r"\b80 \(guest\) => (\d+) \(host\)", self.up.output)
        assert ports, f"vagrant up forwarded no port to the guest's 80 (log: {self.up.log})"
        return int(ports[-1])


def lab(*args):
    subprocess.run([str(LAB / args[0]), *args[1:]], check=True)


def install_packages():
    missing = [
        p
        for p in PACKAGES
        if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout
        != "install ok installed"
    ]
    if missing:
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", *missing],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def trust_guest_ca(vm, bundle):
    """Make every requests call verify against the VM's local CA as well as this
    machine's (REQUESTS_CA_BUNDLE, which the local deployment tests set)."""
    previous = os.environ.get("REQUESTS_CA_BUNDLE")
    guest_ca = vm.ssh(f"cat {GUEST_CA}")
    pem = guest_ca[guest_ca.index("-----BEGIN CERTIFICATE-----") :]
    bundle.write_text((Path(previous).read_text() if previous else "") + pem)
    os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
    return previous


def restore_ca_bundle(previous):
    if previous is None:
        os.environ.pop("REQUESTS_CA_BUNDLE", None)
    else:
        os.environ["REQUESTS_CA_BUNDLE"] = previous


def copy_worktree(dest):
    """The repository's files as they are now (tracked and new, not ignored): the
    machine's .vagrant/ state then lives in a throwaway directory."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["rsync", "-a", "--from0", "--files-from=-", f"{REPO_ROOT}/", f"{dest}/"], input=files, check=True)


# Module scope: the machine goes as soon as test_vagrant_up.py is done, not at
# the end of a whole run.
@pytest.fixture(scope="module")
def vagrant_vm(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the vagrant tests run as root (LXC containers, bridges, apt)")
    workdir = tmp_path_factory.mktemp("vagrant") / "polls"
    env = {
        **os.environ,
        "POLLS_APT_PROXY": f"http://{PROXY_ADDR}:{PROXY_PORT}/",
        "POLLS_PIP_PROXY": f"http://{PROXY_ADDR}:{PROXY_PORT}",
        # MongoDB's own apt repository is out of reach here.
        "POLLS_MONGODB_FLAVOR": "nx27017",
        "POLLS_LAB_BRIDGE": ETH0_BRIDGE,
        "VAGRANT_DEFAULT_PROVIDER": "lxc",
        "VAGRANT_NO_COLOR": "1",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }
    env.pop("POLLS_WSGI_MODE", None)
    vm = VagrantVM(workdir, env)
    try:
        with phase("lab: packages, vagrant-lxc fixes, bridges, package proxy"):
            install_packages()
            lab("host-net", "save", HOST_NET_TAG)
            lab("vagrant-lxc-fixes", "apply")
            lab("bridge", "add", ETH0_BRIDGE, ETH0_CIDR, "--dhcp")
            lab("bridge", "add", PRIVATE_BRIDGE, PRIVATE_CIDR)
            lab("package-proxy", "start", PROXY_NAME, PROXY_ADDR, str(PROXY_PORT))
            workdir.mkdir(parents=True)
            copy_worktree(workdir)
        with phase("lab: box (debootstrap and box build, or the cache)"):
            lab("build-box")
        vm.up = vm.vagrant("up", "--provider=lxc", name="up")
        ca_bundle = trust_guest_ca(vm, workdir.parent / "ca-bundle.crt") if vm.up.returncode == 0 else None
        yield vm
    finally:
        if vm.up is not None and vm.up.returncode == 0:
            restore_ca_bundle(ca_bundle)
        try:
            if (workdir / ".vagrant").exists():
                vm.vagrant("destroy", "-f", name="destroy")
        finally:
            with phase("lab: teardown"):
                for step in (
                    ("package-proxy", "stop", PROXY_NAME),
                    ("bridge", "del", PRIVATE_BRIDGE),
                    ("bridge", "del", ETH0_BRIDGE),
                    ("vagrant-lxc-fixes", "revert"),
                    ("host-net", "restore", HOST_NET_TAG),
                ):
                    try:
                        lab(*step)
                    except subprocess.CalledProcessError as exc:
                        print(f"teardown step {step} failed: {exc}", file=sys.stderr)
            shutil.rmtree(workdir, ignore_errors=True)
