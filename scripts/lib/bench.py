"""Side-by-side benchmark of the deployed site: mod_wsgi daemon mode, mod_wsgi
embedded mode, and nginx + gunicorn, in one run with alternating rounds.

Run through scripts/bench (it installs wrk, nginx, this module's virtualenv and
gunicorn first); `scripts/bench --help` lists the options.

What runs, all on loopback ports of this machine, started here and stopped
here by PID (also on Ctrl-C or a failure):

* daemon   - a second Apache whose configuration is Debian's apache2.conf with
             the site's own apache/ templates rendered for daemon mode
             (scripts/render-apache), on its own port;
* embedded - the same, rendered for embedded mode;
* gunicorn - Debian's nginx (static files itself, the rest proxied) in front
             of gunicorn's gthread workers, with the same processes x threads
             as daemon mode, the same virtualenv, code and /etc/polls/env;
* variant (only when asked for) - daemon mode again, rendered with the
             --variant overrides on top of --set: a setting tried side by
             side with the configuration it would replace;
* gunicorn_libpython (only when asked for) - the same, but its Python is
             the libpython mod_wsgi runs Django in (Debian's libpython3.11.so,
             or the optimized build Apache loads first when the deployment
             has polls_app_libpython_optimized), started by a four-line C
             launcher built here. Debian's
             /usr/bin/python3.11, which gunicorn runs on otherwise, is a
             separate, statically linked build of the interpreter; this
             target tells the servers' own cost apart from the interpreter
             build's.

Every target also answers /__bench/hello from a tiny WSGI app in the same
processes (the same daemon group under Apache), which shows the server's own
limit. The database, Redis and the other services are the deployed ones,
shared by all targets; their CPU is not counted in "server CPU".

Figures are printed, never judged: nothing here asserts on timing.
"""

import argparse
import contextlib
import datetime
import grp
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# The deployed site's settings file and manage.py (docs/layout.md). Where the
# code, virtualenv, static files and certificate are is read from apache/ as
# rendered for this run (site_layout), the same source the deployment uses.
ENV_FILE = "/etc/polls/env"
MANAGE = "/usr/local/bin/polls-manage"
GUNICORN_DIR = os.environ.get("BENCH_GUNICORN_DIR", "/opt/polls-tools/gunicorn")

HELLO_PATH = "/__bench/hello"
WARM_UP_SECONDS = 1

# name -> path (with {question} / {org} filled in from the bench data set).
PAGES = {
    "hello": HELLO_PATH,
    "static": "{static}",
    "polls_index": "/polls/",
    "poll_detail": "/polls/{question}/",
    "poll_results": "/polls/{question}/results/",
    "org_list": "/services/orgs/mysql",
    "org_chart": "/services/main/{org}",
    "home": "/",
    "healthz": "/healthz",
}
MAIN_PAGES = ("polls_index", "poll_detail", "poll_results", "org_list", "org_chart", "home", "healthz")
GROWTH_PAGES = ("polls_index", "poll_detail", "poll_results", "org_list", "org_chart")
TARGETS = ("daemon", "variant", "embedded", "gunicorn", "gunicorn_libpython")
DEFAULT_TARGETS = ("daemon", "embedded", "gunicorn")
GUNICORNS = ("gunicorn", "gunicorn_libpython")

# Python's own main(), linked against the shared libpython: a python that runs
# the interpreter mod_wsgi embeds.
LIBPYTHON_LAUNCHER = """\
#include <Python.h>
int main(int argc, char **argv) { return Py_BytesMain(argc, argv); }
"""

HELLO_WSGI = """\
# A WSGI application that does nothing: the limit of the server around Django.
BODY = b"Hello, world!\\n"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
"""

# gunicorn serves one application: this one answers the hello path itself and
# hands everything else to Django, exactly as polls.wsgi does under Apache.
GUNICORN_APP = """\
import os

os.environ["DJANGO_ENV_FILE"] = {env_file!r}

from bench_hello import application as hello  # noqa: E402
from mysite.wsgi import application as django_app  # noqa: E402


def application(environ, start_response):
    if environ.get("PATH_INFO") == {hello_path!r}:
        return hello(environ, start_response)
    return django_app(environ, start_response)
"""

NGINX_CONF = """\
# nginx in front of gunicorn, as a person choosing this setup would run it:
# nginx serves the static files, gunicorn the application.
worker_processes {workers};
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
user www-data;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log {dir}/access.log combined;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests {keepalive_requests};
    gzip on;
    gzip_types text/plain text/css text/javascript application/javascript application/json image/svg+xml;
    client_max_body_size 10m;
    upstream gunicorn {{
        server unix:{socket};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port} backlog={backlog} {tls};
        location /static/ {{
            alias {static}/;
            location ~ "\\.[0-9a-f]{{12}}\\.[A-Za-z0-9]+$" {{
                add_header Cache-Control "public, max-age=31536000, immutable";
            }}
        }}
        location / {{
            proxy_pass http://gunicorn;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


class BenchError(Exception):
    """Something the benchmark needs is missing: said plainly, no traceback."""


def log(message):
    print(f"--- {message}", file=sys.stderr, flush=True)


# --- processes ----------------------------------------------------------------


def _proc_stat(pid):
    """(ppid, utime+stime, cutime+cstime, rss pages) of a process, in ticks; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state) of proc(5).
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), int(fields[21])


def process_tree(roots):
    """PIDs of the roots and all their descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat:
                parents[int(entry)] = stat[0]
    tree = {pid for pid in roots if pid in parents}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return ""


def is_wsgi_daemon(pid):
    """A mod_wsgi daemon process: display-name=%{GROUP} names it "(wsgi:<group>)"."""
    return _cmdline(pid).startswith("(wsgi:")


def cpu_ticks(roots, app_roots=()):
    """CPU used so far by the roots, their descendants, and the children the
    roots have already reaped (a recycled worker's CPU is not lost), split
    (front, app): "app" is what runs the application in processes of its own
    (the trees of app_roots, gunicorn; mod_wsgi's daemon processes), "front"
    the HTTP server (Apache's own processes, nginx). In embedded mode Django
    runs in Apache's processes, so all of it is "front"."""
    front = app = 0
    app_tree = process_tree(app_roots)
    for pid in process_tree(roots):
        stat = _proc_stat(pid)
        if stat:
            ticks = stat[1] + (stat[2] if pid in roots else 0)
            if pid in app_tree or is_wsgi_daemon(pid):
                app += ticks
            else:
                front += ticks
    return front, app


def memory_mb(roots):
    """(RSS summed, PSS summed) of the processes in MB; PSS counts shared pages once."""
    rss = pss = 0
    pids = process_tree(roots)
    for pid in pids:
        stat = _proc_stat(pid)
        if stat:
            rss += stat[3] * PAGE_SIZE
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return rss / 2**20, pss / 2**20, len(pids)


class Proc:
    """A server started by the benchmark, in a process group of its own."""

    def __init__(self, name, argv, env=None, log_path=None, app=False):
        self.name = name
        self.app = app  # runs the application apart from the HTTP server (gunicorn)
        self.log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.popen = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def stop(self, grace=15):
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of its process group (daemon processes, workers).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        if self.log is not subprocess.DEVNULL:
            self.log.close()


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE  # loopback only, the site's own certificate


def http_get(url, timeout=10):
    """(status, body) of a GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=_INSECURE) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def wait_for(url, seconds, procs):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise BenchError(f"{proc.name} exited while starting (see its log under the run folder)")
        status, _ = http_get(url, timeout=5)
        if status == 200:
            return
        time.sleep(0.3)
    raise BenchError(f"{url} did not answer 200 within {seconds} s")


# --- the targets --------------------------------------------------------------


def runtime_user():
    """The user that may read the settings file: its group (polls in daemon
    mode, www-data when the site is deployed in embedded mode)."""
    try:
        st = os.stat(ENV_FILE)
    except OSError:
        raise BenchError(f"{ENV_FILE} is missing: deploy the site first (scripts/deploy)") from None
    group = grp.getgrgid(st.st_gid).gr_name
    try:
        pwd.getpwnam(group)
    except KeyError:
        raise BenchError(f"{ENV_FILE} belongs to group {group!r}, which is no user") from None
    return group


def module_includes(kind, mpm, etc="/etc/apache2"):
    """Include lines for the deployed server's enabled modules of one kind
    ("load" or "conf"), with its MPM swapped for the mode's
    (polls_app_httpd_mpm, as rendered for that mode), so each mode runs under
    its own MPM whichever mode is deployed."""
    enabled = sorted(
        name for name in os.listdir(f"{etc}/mods-enabled") if name.endswith(f".{kind}") and not name.startswith("mpm_")
    )
    lines = [f"Include {etc}/mods-enabled/{name}" for name in enabled]
    if os.path.exists(f"{etc}/mods-available/mpm_{mpm}.{kind}"):
        lines.append(f"Include {etc}/mods-available/mpm_{mpm}.{kind}")
    return lines


def apache_conf_text(site_dir, port, run_dir, log_dir, mpm):
    """Debian's apache2.conf with its Listen/site/conf includes replaced by
    ours, and the mode's MPM."""
    with open("/etc/apache2/apache2.conf") as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        stripped = line.strip()
        if stripped in ("IncludeOptional mods-enabled/*.load", "IncludeOptional mods-enabled/*.conf"):
            out.extend(module_includes(stripped.rsplit(".", 1)[1], mpm))
        elif stripped == "Include ports.conf":
            out.append(f"Listen 127.0.0.1:{port}")
        elif stripped.startswith("IncludeOptional conf-enabled/"):
            for conf in sorted(os.listdir("/etc/apache2/conf-enabled")):
                if conf.endswith(".conf") and conf != "polls-wsgi.conf":
                    out.append(f"Include /etc/apache2/conf-enabled/{conf}")
        elif stripped.startswith("IncludeOptional sites-enabled/"):
            out.append(f"WSGISocketPrefix {run_dir}/wsgi")
            out.append(f"Include {site_dir}/polls-wsgi.conf")
            out.append(f"Include {site_dir}/polls-site.conf")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def add_hello(site_conf, hello_script):
    """The rendered vhost with the hello app mounted ahead of Django (mod_wsgi
    takes the first WSGIScriptAlias that matches), in the same process group."""
    with open(site_conf) as f:
        text = f.read()
    site = re.search(r"^\s*WSGIScriptAlias / \S+(.*)$", text, flags=re.M)
    if site is None:
        raise BenchError(f"no 'WSGIScriptAlias /' in {site_conf}")
    mount = (
        # The site's own process-group= and application-group= options.
        f"    WSGIScriptAlias {HELLO_PATH} {hello_script}{site.group(1)}\n"
        f"    <Directory {os.path.dirname(hello_script)}>\n"
        f"        Require all granted\n"
        f"    </Directory>\n"
    )
    text, n = re.subn(r"^(\s*WSGIScriptAlias / )", mount + r"\1", text, count=1, flags=re.M)
    if n != 1:
        raise BenchError(f"no 'WSGIScriptAlias /' in {site_conf}")
    with open(site_conf, "w") as f:
        f.write(text)


class Target:
    def __init__(self, name, port, tls=False):
        self.name = name
        self.port = port
        self.tls = tls
        self.procs = []

    @property
    def base(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def roots(self):
        return {p.pid for p in self.procs if p.alive()}

    @property
    def app_roots(self):
        return {p.pid for p in self.procs if p.app and p.alive()}

    def stop(self):
        for proc in reversed(self.procs):
            proc.stop()
        self.procs = []


def render_apache(mode, dest, user, extra_vars):
    """apache/ rendered for a mode by scripts/render-apache (the role's defaults
    plus the --set overrides)."""
    argv = [
        os.path.join(REPO_ROOT, "scripts/render-apache"),
        mode,
        dest,
        "-e",
        f"polls_app_user={user}",
        "-e",
        f"polls_app_group={user}",
    ]
    for item in extra_vars:
        argv += ["-e", item]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"scripts/render-apache {mode} failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")


def site_layout(site_conf):
    """Where the deployed site's pieces are, from a vhost rendered for daemon
    mode: virtualenv, code, static folder, and the certificate when
    the site is served over HTTPS."""
    with open(site_conf) as f:
        text = f.read()

    def find(pattern, what):
        m = re.search(pattern, text, flags=re.M)
        if not m:
            raise BenchError(f"no {what} in {site_conf}")
        return m.group(1)

    layout = {
        "venv": find(r"python-home=(\S+)", "python-home="),
        "code": find(r"python-path=(\S+)", "python-path="),
        "static": find(r"^\s*Alias /static/ (\S+?)/?$", "Alias /static/"),
        "tls": bool(re.search(r"^\s*SSLEngine on", text, flags=re.M)),
    }
    if layout["tls"]:
        layout["cert"] = find(r"^\s*SSLCertificateFile (\S+)", "SSLCertificateFile")
        layout["key"] = find(r"^\s*SSLCertificateKeyFile (\S+)", "SSLCertificateKeyFile")
    return layout


def serve_on_port(site_conf, port):
    """The rendered vhosts answering on the benchmark's port: an HTTPS site
    keeps its TLS virtual host (moved to the port) and loses the port-80 one,
    which only redirects; a plain one (<VirtualHost *:*>) is left as it is."""
    with open(site_conf) as f:
        text = f.read()
    if re.search(r"<VirtualHost \*:443>", text):
        text = re.sub(r"^<VirtualHost \*:80>.*?^</VirtualHost>\n?", "", text, flags=re.M | re.S)
        text = text.replace("<VirtualHost *:443>", f"<VirtualHost *:{port}>")
    with open(site_conf, "w") as f:
        f.write(text)


def daemon_sizing(site_conf):
    """(processes, threads) of the WSGIDaemonProcess in a rendered vhost."""
    with open(site_conf) as f:
        text = f.read()
    p, t = re.search(r"processes=(\d+)", text), re.search(r"threads=(\d+)", text)
    if not (p and t):
        raise BenchError(f"no processes=/threads= in {site_conf}")
    return int(p.group(1)), int(t.group(1))


class ApacheTarget(Target):
    def __init__(self, name, port, work, user, extra_vars=(), tls=False, mode=None):
        super().__init__(name, port, tls)
        self.mode = mode or name
        self.work = work
        self.user = user
        self.extra_vars = extra_vars

    @staticmethod
    def mpm(site_dir):
        """The MPM scripts/render-apache named for the mode."""
        with open(os.path.join(site_dir, "mpm")) as f:
            return f.read().strip()

    def start(self, timeout):
        d = os.path.join(self.work, self.name)
        site_dir, run_dir, log_dir = (os.path.join(d, x) for x in ("conf", "run", "logs"))
        for x in (site_dir, run_dir, log_dir):
            os.makedirs(x, exist_ok=True)
        os.chmod(run_dir, 0o755)
        render_apache(self.mode, site_dir, self.user, self.extra_vars)
        serve_on_port(os.path.join(site_dir, "polls-site.conf"), self.port)
        add_hello(os.path.join(site_dir, "polls-site.conf"), os.path.join(self.work, "hello", "bench_hello.py"))
        conf = os.path.join(d, "apache2.conf")
        with open(conf, "w") as f:
            f.write(apache_conf_text(site_dir, self.port, run_dir, log_dir, self.mpm(site_dir)))
        env = dict(
            os.environ,
            APACHE_CONFDIR="/etc/apache2",
            # Embedded mode runs Django in Apache's workers: they must be able to
            # read the settings file, so they run as its user (the deployed
            # embedded mode does the same by changing the file's group).
            APACHE_RUN_USER=self.user if self.mode == "embedded" else "www-data",
            APACHE_RUN_GROUP=self.user if self.mode == "embedded" else "www-data",
            APACHE_PID_FILE=os.path.join(run_dir, "apache2.pid"),
            APACHE_RUN_DIR=run_dir,
            APACHE_LOCK_DIR=run_dir,
            APACHE_LOG_DIR=log_dir,
            LANG="C.UTF-8",
        )
        check = subprocess.run(
            ["apache2", "-d", "/etc/apache2", "-f", conf, "-t"], env=env, capture_output=True, text=True
        )
        if check.returncode != 0:
            raise BenchError(f"{self.name} Apache configuration is broken:\n{check.stderr}")
        self.procs.append(
            Proc(
                f"apache ({self.name})",
                ["apache2", "-d", "/etc/apache2", "-f", conf, "-DFOREGROUND"],
                env=env,
                log_path=os.path.join(log_dir, "stderr.log"),
            )
        )
        wait_for(self.base + HELLO_PATH, timeout, self.procs)


def loaded_libpython(etc="/etc/apache2"):
    """The library the deployed Apache loads before mod_wsgi (a LoadFile
    line of the site's module, polls_app_libpython_optimized), or None."""
    try:
        with open(f"{etc}/mods-enabled/wsgi_venv.load") as f:
            text = f.read()
    except OSError:
        return None
    match = re.search(r'^LoadFile\s+"?([^"\s]+)"?\s*$', text, re.M)
    return match.group(1) if match else None


def libpython_venv(venv, dest, library=None):
    """A virtualenv at dest whose python is a launcher linked against the
    shared libpython of venv's interpreter, sharing venv's packages; with
    `library` (a libpythonX.Y.so.1.0 elsewhere, of the same SONAME) the
    launcher finds that one first."""
    query = (
        "import sysconfig as s; print(s.get_config_var('INCLUDEPY')); print(s.get_config_var('LIBDIR')); "
        "print(s.get_config_var('LDVERSION'))"
    )
    out = subprocess.run([f"{venv}/bin/python", "-c", query], capture_output=True, text=True, check=True)
    include, libdir, ldversion = out.stdout.split()
    if not shutil.which("gcc") or not os.path.isfile(os.path.join(include, "Python.h")):
        raise BenchError("gunicorn_libpython needs gcc and Python's headers (the deployment's build packages)")
    os.makedirs(os.path.join(dest, "bin"))
    source = os.path.join(dest, "launcher.c")
    with open(source, "w") as f:
        f.write(LIBPYTHON_LAUNCHER)
    python = os.path.join(dest, "bin", "python")
    build = subprocess.run(
        [
            "gcc",
            "-O2",
            "-o",
            python,
            source,
            f"-I{include}",
            f"-L{libdir}",
            f"-lpython{ldversion}",
            f"-Wl,-rpath,{os.path.dirname(library) if library else libdir}",
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        raise BenchError(f"building the libpython launcher failed:\n{build.stderr}")
    shutil.copy(os.path.join(venv, "pyvenv.cfg"), dest)
    lib = os.path.join(dest, "lib", f"python{ldversion}")
    os.makedirs(lib)
    os.symlink(os.path.join(venv, "lib", f"python{ldversion}", "site-packages"), os.path.join(lib, "site-packages"))
    for d in (dest, os.path.join(dest, "bin"), os.path.join(dest, "lib"), lib):
        os.chmod(d, 0o755)
    return python


class GunicornTarget(Target):
    def __init__(
        self, port, work, user, processes, threads, backlog, keepalive_requests, layout, name="gunicorn", python=None
    ):
        super().__init__(name, port, layout["tls"])
        self.python = python or os.path.join(layout["venv"], "bin", "python")
        self.layout = layout
        self.work = work
        self.user = user
        self.processes = processes
        self.threads = threads
        self.backlog = backlog
        self.keepalive_requests = keepalive_requests

    def start(self, timeout):
        d = os.path.join(self.work, self.name)
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        app_dir = os.path.join(self.work, "hello")
        with open(os.path.join(app_dir, "bench_gunicorn.py"), "w") as f:
            f.write(GUNICORN_APP.format(env_file=ENV_FILE, hello_path=HELLO_PATH))
        sock = os.path.join(d, "gunicorn.sock")
        code = self.layout["code"]
        env = dict(os.environ, PYTHONPATH=f"{GUNICORN_DIR}:{app_dir}:{code}", LANG="C.UTF-8")
        if self.tls:
            # nginx terminates TLS and says so in X-Forwarded-Proto, which
            # Django believes only when told to (values in the environment win
            # over the settings file).
            env["DJANGO_TRUST_X_FORWARDED_PROTO"] = "true"
        argv = [
            self.python,
            "-m",
            "gunicorn",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.processes),
            "--threads",
            str(self.threads),
            "--bind",
            f"unix:{sock}",
            "--user",
            self.user,
            "--group",
            self.user,
            "--chdir",
            code,
            "--timeout",
            "60",
            "--graceful-timeout",
            "15",
            "--backlog",
            str(self.backlog),
            "--worker-tmp-dir",
            "/dev/shm",
            "--error-logfile",
            os.path.join(d, "gunicorn.log"),
            "bench_gunicorn:application",
        ]
        self.procs.append(Proc(self.name, argv, env=env, log_path=os.path.join(d, "stderr.log"), app=True))
        nginx_dir = os.path.join(self.work, f"nginx-{self.name}")
        os.makedirs(nginx_dir, exist_ok=True)
        conf = os.path.join(nginx_dir, "nginx.conf")
        with open(conf, "w") as f:
            tls = (
                (
                    f"ssl;\n        ssl_certificate {self.layout['cert']};\n"
                    f"        ssl_certificate_key {self.layout['key']};\n"
                    "        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_session_tickets off"
                )
                if self.tls
                else ""
            )
            f.write(
                NGINX_CONF.format(
                    workers=os.cpu_count() or 1,
                    dir=nginx_dir,
                    socket=sock,
                    port=self.port,
                    static=self.layout["static"],
                    backlog=self.backlog,
                    keepalive_requests=self.keepalive_requests,
                    tls=tls,
                )
            )
        check = subprocess.run(["nginx", "-t", "-c", conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise BenchError(f"nginx configuration is broken:\n{check.stderr}")
        self.procs.append(Proc("nginx", ["nginx", "-c", conf], log_path=os.path.join(nginx_dir, "stderr.log")))
        wait_for(self.base + HELLO_PATH, timeout, self.procs)


# --- wrk ----------------------------------------------------------------------


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out):
    result = {"requests": 0, "rps": 0.0, "p50_ms": None, "p99_ms": None, "errors": 0, "non2xx": 0}
    for line in out.splitlines():
        s = line.strip()
        m = re.match(r"(\d+) requests in", s)
        if m:
            result["requests"] = int(m.group(1))
        elif s.startswith("Requests/sec:"):
            result["rps"] = float(s.split()[1])
        elif s.startswith("50%"):
            result["p50_ms"] = _ms(s.split()[1])
        elif s.startswith("99%"):
            result["p99_ms"] = _ms(s.split()[1])
        elif s.startswith("Socket errors:"):
            # "Socket errors: connect 0, read 12, write 0, timeout 0"
            for kind, n in re.findall(r"(connect|read|write|timeout) (\d+)", s):
                result[f"err_{kind}"] = int(n)
                result["errors"] += int(n)
        elif s.startswith("Non-2xx"):
            result["non2xx"] = int(s.split()[-1])
    result["errors"] += result["non2xx"]
    return result


def run_wrk(target, path, seconds, connections, threads):
    url = target.base + path
    before = cpu_ticks(target.roots, target.app_roots)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    after = cpu_ticks(target.roots, target.app_roots)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # wrk's own CPU (it shares the cores): where it is as large as the
    # server's, the load generator, not the server, bounds req/s.
    client_ms = sum(getattr(client_after, f) - getattr(client_before, f) for f in ("ru_utime", "ru_stime")) * 1000.0
    if proc.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {proc.stderr.strip()}")
    result = parse_wrk(proc.stdout)
    rss, pss, nprocs = memory_mb(target.roots)
    front_ms, app_ms = ((a - b) * 1000.0 / CLK_TCK for a, b in zip(after, before, strict=True))
    n = result["requests"]
    result.update(
        cpu_ms_per_req=((front_ms + app_ms) / n) if n else None,
        front_ms_per_req=(front_ms / n) if n else None,
        app_ms_per_req=(app_ms / n) if n else None,
        client_ms_per_req=(client_ms / n) if n else None,
        rss_mb=round(rss, 1),
        pss_mb=round(pss, 1),
        processes=nprocs,
    )
    return result


# --- the data the pages show --------------------------------------------------


def bench_data(layout):
    """Ids of the benchmark's question and org (created once by seed_bulk), and
    the hashed name of a static file."""
    out = subprocess.run([MANAGE, "seed_bulk", "--fixture"], capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"polls-manage seed_bulk --fixture failed (is this branch deployed?):\n{out.stderr[-2000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    with open(os.path.join(layout["static"], "staticfiles.json")) as f:
        manifest = json.load(f)["paths"]
    data["static"] = "/static/" + manifest.get("polls/style.css", next(iter(manifest.values())))
    return data


def page_paths(names, data):
    return {name: PAGES[name].format(**data) for name in names}


# --- the run ------------------------------------------------------------------


def measure_rounds(targets, paths, rounds, seconds, connections, wrk_threads, label=""):
    """Alternating rounds: every page on every target, then again; the order
    of the targets rotates each round so none always goes first."""
    samples = {}  # (target, page) -> [result]
    for r in range(rounds):
        order = targets[r % len(targets) :] + targets[: r % len(targets)]
        for page, path in paths.items():
            for target in order:
                # The wall clock of each run: a round that stands out can be
                # matched with what else ran then (cron jobs, other load).
                started = time.strftime("%H:%M:%S")
                res = dict(run_wrk(target, path, seconds, connections, wrk_threads), started=started)
                samples.setdefault((target.name, page), []).append(res)
                log(
                    f"{label}round {r + 1}/{rounds} {started} {page:13s} {target.name:9s} {res['rps']:8.0f} req/s "
                    f"p99 {res['p99_ms']} ms, errors {res['errors']}"
                )
    return samples


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _error_kinds(results):
    """Errors by kind over the rounds (wrk's connect/read/write/timeout, non-2xx)."""
    kinds = {}
    for r in results:
        for key in ("err_connect", "err_read", "err_write", "err_timeout", "non2xx"):
            if r.get(key):
                kinds[key.replace("err_", "")] = kinds.get(key.replace("err_", ""), 0) + r[key]
    return kinds


def summary_row(results):
    """Medians (sums of errors, peaks of memory) of one server's rounds."""
    return {
        "rps": _median([r["rps"] for r in results]),
        "p50_ms": _median([r["p50_ms"] for r in results]),
        "p99_ms": _median([r["p99_ms"] for r in results]),
        "errors": sum(r["errors"] for r in results),
        "error_kinds": _error_kinds(results),
        "cpu_ms_per_req": _median([r["cpu_ms_per_req"] for r in results]),
        "front_ms_per_req": _median([r.get("front_ms_per_req") for r in results]),
        "app_ms_per_req": _median([r.get("app_ms_per_req") for r in results]),
        "client_ms_per_req": _median([r.get("client_ms_per_req") for r in results]),
        "rss_mb": max(r["rss_mb"] for r in results),
        "pss_mb": max(r["pss_mb"] for r in results),
        "rounds": len(results),
    }


def summarize(samples):
    table = {}
    for (target, page), results in samples.items():
        table.setdefault(page, {})[target] = dict(
            summary_row(results),
            # Round by round, for ratios of runs made next to each other.
            rps_rounds=[r["rps"] for r in results],
            cpu_rounds=[r["cpu_ms_per_req"] for r in results],
            p99_rounds=[r["p99_ms"] for r in results],
            started_rounds=[r.get("started") for r in results],
        )
    return table


def _f(value, fmt):
    """value formatted, or "-" as wide as the format's field."""
    width = re.match(r"\d*", fmt).group()
    return ("-").rjust(int(width or 0)) if value is None else format(value, fmt)


def print_table(table, title):
    print(f"\n{title}")
    print(
        "CPU ms/req is the server's, split into the HTTP server's processes (front: Apache, nginx)\n"
        "and the application's own processes (app: mod_wsgi daemons, gunicorn; '-' in embedded\n"
        "mode, where Django runs inside Apache's processes); wrk: the load generator's own\n"
        "CPU ms/req, on the same cores"
    )
    print(
        f"{'page':13s} {'server':18s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>6s} "
        f"{'CPU ms/req':>10s} {'front':>6s} {'app':>6s} {'wrk':>6s} {'RSS MB':>7s} {'PSS MB':>7s}"
    )
    for page, by_target in table.items():
        for target, row in by_target.items():
            print(
                f"{page:13s} {target:18s} {_f(row['rps'], '8.0f')} {_f(row['p50_ms'], '8.2f')} "
                f"{_f(row['p99_ms'], '8.2f')} {row['errors']:6d} {_f(row['cpu_ms_per_req'], '10.3f')} "
                f"{_f(row.get('front_ms_per_req'), '6.3f')} {_f(row.get('app_ms_per_req') or None, '6.3f')} "
                f"{_f(row.get('client_ms_per_req'), '6.3f')} {_f(row['rss_mb'], '7.0f')} {_f(row['pss_mb'], '7.0f')}"
                + (f"  {row['error_kinds']}" if row.get("error_kinds") else "")
            )


def ratio(a, b):
    return (a / b) if a and b else None


def paired_ratios(ours, theirs):
    """The ratio of each round's two runs, which ran one after the other: on a
    shared machine whose load drifts between rounds these vary far less than
    the runs themselves. (median, lowest, highest), or None."""
    each = sorted(r for r in (ratio(a, b) for a, b in zip(ours or [], theirs or [], strict=False)) if r is not None)
    return (statistics.median(each), each[0], each[-1]) if each else None


def compared(what, page, row, base):
    """One server's row against another's on a page: req/s ours over theirs,
    CPU theirs over ours (> 1 means we spend less per request)."""
    return {
        "what": what,
        "page": page,
        "rps": ratio(row["rps"], base["rps"]),
        "cpu": ratio(base["cpu_ms_per_req"], row["cpu_ms_per_req"]),
        "rps_paired": paired_ratios(row.get("rps_rounds"), base.get("rps_rounds")),
        "cpu_paired": paired_ratios(base.get("cpu_rounds"), row.get("cpu_rounds")),
    }


def ratios(table):
    """req/s ratios (higher is better for the first named) and CPU ratios: of
    the medians, and the median of the rounds' own ratios with their range."""
    out = []
    for page, by_target in table.items():
        for gunicorn in GUNICORNS:
            for mode in ("daemon", "variant", "embedded"):
                row, base = by_target.get(mode), by_target.get(gunicorn)
                if row and base:
                    out.append(compared(f"{mode}/{gunicorn}", page, row, base))
    for page, by_target in table.items():
        row, base = by_target.get("variant"), by_target.get("daemon")
        if row and base:
            out.append(compared("variant/daemon", page, row, base))
    if "static" in table and "hello" in table:
        for target in table["static"]:
            if target in table["hello"]:
                out.append(compared("static/hello", target, table["static"][target], table["hello"][target]))
    return out


def _paired(value):
    return "" if not value else f" ({value[0]:.2f}x, {value[1]:.2f}-{value[2]:.2f})"


def print_ratios(rows):
    print(
        "\nratios (req/s; CPU = other's CPU ms/req over this one's, > 1 means cheaper);"
        "\nin brackets the median of each round's own ratio, and their range"
    )
    for row in rows:
        print(
            f"{row['what']:27s} {row['page']:13s} req/s {_f(row['rps'], '5.2f')}x{_paired(row.get('rps_paired'))}"
            + (f"   CPU {_f(row['cpu'], '5.2f')}x{_paired(row.get('cpu_paired'))}" if row["cpu"] is not None else "")
        )


def scaling(targets, path, seconds, levels, rounds, wrk_threads):
    samples = {}
    for r in range(rounds):
        for c in levels:
            for target in targets:
                res = run_wrk(target, path, seconds, c, wrk_threads)
                samples.setdefault((target.name, c), []).append(res)
                log(
                    f"scaling round {r + 1}/{rounds} -c{c:<4d} {target.name:9s} {res['rps']:8.0f} req/s "
                    f"p99 {res['p99_ms']} ms, errors {res['errors']}"
                )
    table = {}
    for (target, c), results in samples.items():
        table.setdefault(str(c), {})[target] = summary_row(results)
    return table


def chart(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    main = results.get("main") or {}
    scale = results.get("scaling") or {}
    growth = results.get("growth") or {}
    panels = (
        [p for p in ("rps", "cpu", "p99") if main] + (["scaling"] if scale else []) + (["growth"] if growth else [])
    )
    if not panels:
        return None
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 3.6 * len(panels)), squeeze=False)
    colors = {
        "daemon": "#1f77b4",
        "variant": "#17becf",
        "embedded": "#2ca02c",
        "gunicorn": "#d62728",
        "gunicorn_libpython": "#9467bd",
        "empty": "#7f7f7f",
        "seeded": "#ff7f0e",
    }
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if panel in ("rps", "cpu", "p99"):
            key, title = {
                "rps": ("rps", "requests per second (higher is better)"),
                "cpu": (
                    "cpu_ms_per_req",
                    "server CPU ms per request (lower is better); hatched: in the application's own processes",
                ),
                "p99": ("p99_ms", "p99 latency ms (lower is better)"),
            }[panel]
            pages = list(main)
            names = [t for t in TARGETS if any(t in main[p] for p in pages)]
            width = 0.8 / max(1, len(names))
            for i, name in enumerate(names):
                xs = [j + i * width for j in range(len(pages))]
                ys = [(main[p].get(name) or {}).get(key) or 0 for p in pages]
                ax.bar(xs, ys, width, label=name, color=colors.get(name))
                if panel == "cpu":
                    # The application processes' share (mod_wsgi daemons,
                    # gunicorn), hatched at the bottom of the bar.
                    apps = [(main[p].get(name) or {}).get("app_ms_per_req") or 0 for p in pages]
                    if any(apps):
                        ax.bar(xs, apps, width, color="none", edgecolor="white", hatch="//", linewidth=0)
            ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(pages))])
            ax.set_xticklabels(pages, rotation=15)
            if panel == "rps":
                ax.set_yscale("log")
            ax.set_title(title)
            ax.legend(fontsize=8)
        elif panel == "scaling":
            levels = sorted(scale, key=int)
            for name in TARGETS:
                ys = [(scale[c].get(name) or {}).get("rps") for c in levels]
                if any(y is not None for y in ys):
                    ax.plot([int(c) for c in levels], ys, marker="o", label=name, color=colors.get(name))
                    for c, y in zip(levels, ys, strict=True):
                        errs = (scale[c].get(name) or {}).get("errors")
                        if errs:
                            ax.annotate(f"{errs} err", (int(c), y), fontsize=7, color=colors.get(name))
            ax.set_xscale("log", base=2)
            ax.margins(x=0.15)  # room for the error labels at the last level
            ax.set_xticks([int(c) for c in levels])
            ax.set_xticklabels(levels)
            ax.set_xlabel("connections")
            ax.set_title(f"scaling: {results.get('scaling_page')} req/s by connections")
            ax.legend(fontsize=8)
        elif panel == "growth":
            pages = list(growth.get("empty", {}))
            width = 0.4
            for i, state in enumerate(("empty", "seeded")):
                ys = [
                    ((growth.get(state, {}).get(p) or {}).get("daemon") or {}).get("cpu_ms_per_req") or 0 for p in pages
                ]
                ax.bar([j + i * width for j in range(len(pages))], ys, width, label=state, color=colors[state])
            ax.set_xticks([j + width / 2 for j in range(len(pages))])
            ax.set_xticklabels(pages, rotation=15)
            ax.set_title("data growth: server CPU ms per request, daemon mode (empty vs seeded)")
            ax.legend(fontsize=8)
    fig.suptitle(
        f"polls-and-services benchmark, {results['started']} "
        f"({results['settings']['seconds']} s x {results['settings']['rounds']} rounds, "
        f"-c{results['settings']['connections']})",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.98))  # leave room for the title above the panels
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def growth(targets, paths, args, data):
    log("growth: measuring before seeding")
    empty = summarize(
        measure_rounds(targets, paths, args.rounds, args.seconds, args.connections, args.wrk_threads, label="empty ")
    )
    log(f"growth: seeding {args.questions} questions and {args.groups} groups (polls-manage seed_bulk)")
    started = time.monotonic()
    subprocess.run([MANAGE, "seed_bulk", "--questions", str(args.questions), "--groups", str(args.groups)], check=True)
    seed_seconds = time.monotonic() - started
    try:
        seeded = summarize(
            measure_rounds(
                targets, paths, args.rounds, args.seconds, args.connections, args.wrk_threads, label="seeded "
            )
        )
    finally:
        if not args.keep_seed:
            subprocess.run([MANAGE, "seed_bulk", "--remove"], check=True)
    return {"empty": empty, "seeded": seeded, "seed_seconds": round(seed_seconds, 1)}


def print_growth(g):
    print(f"\ndata growth (seeding took {g['seed_seconds']} s): daemon mode medians")
    print(
        f"{'page':13s} {'CPU empty':>10s} {'CPU seeded':>10s} {'ratio':>6s} {'p50 empty':>10s} {'p50 seeded':>10s} "
        f"{'ratio':>6s}"
    )
    for page, by_target in g["empty"].items():
        for target, e in by_target.items():
            s = g["seeded"][page][target]
            r_cpu = (s["cpu_ms_per_req"] / e["cpu_ms_per_req"]) if e["cpu_ms_per_req"] and s["cpu_ms_per_req"] else None
            r_p50 = (s["p50_ms"] / e["p50_ms"]) if e["p50_ms"] and s["p50_ms"] else None
            print(
                f"{page:13s} {_f(e['cpu_ms_per_req'], '10.3f')} {_f(s['cpu_ms_per_req'], '10.3f')} "
                f"{_f(r_cpu, '5.2f')}x {_f(e['p50_ms'], '10.2f')} {_f(s['p50_ms'], '10.2f')} {_f(r_p50, '5.2f')}x"
            )


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--seconds", type=int, default=10, help="length of one wrk run (default 10)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are over these (default 3)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections of the main run (default 16)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument(
        "--targets",
        default=",".join(DEFAULT_TARGETS),
        help=f"comma-separated, of {', '.join(TARGETS)} (default {','.join(DEFAULT_TARGETS)})",
    )
    p.add_argument(
        "--pages", default="hello,static," + ",".join(MAIN_PAGES), help="comma-separated, of " + ", ".join(PAGES)
    )
    p.add_argument("--no-main", action="store_true", help="skip the main side-by-side run")
    p.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve every page uncached (DJANGO_PAGE_CACHE_SECONDS=0 in every server): what a cache miss "
        "costs, and what --growth should measure",
    )
    p.add_argument("--scaling", action="store_true", help="also run the scaling run")
    p.add_argument("--scaling-levels", default="1,16,64,256", help="connections of the scaling run")
    p.add_argument("--scaling-page", default="polls_index", help="page of the scaling run (default polls_index)")
    p.add_argument(
        "--scaling-seconds", type=int, default=None, help="length of one scaling wrk run (default --seconds)"
    )
    p.add_argument(
        "--growth",
        action="store_true",
        help="data growth: measure, seed (seed_bulk), measure again, remove the seeded rows",
    )
    p.add_argument("--growth-targets", default="daemon", help="targets of the growth run (default daemon)")
    p.add_argument("--questions", type=int, default=100000, help="questions seeded by --growth")
    p.add_argument("--groups", type=int, default=2000, help="org chart groups seeded by --growth")
    p.add_argument("--keep-seed", action="store_true", help="leave the seeded rows in place after --growth")
    p.add_argument("--base-port", type=int, default=8481, help="first of the loopback ports used (default 8481)")
    p.add_argument("--start-timeout", type=int, default=60, help="seconds a server may take to start")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="override a variable when rendering apache/ (try a sizing without deploying it), "
        "e.g. --set polls_app_daemon_threads=5; gunicorn follows the daemon sizing",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="with the 'variant' target: daemon mode once more, with these overrides as well, measured "
        "side by side with 'daemon', e.g. --targets daemon,variant,gunicorn --variant polls_app_daemon_reload=touch",
    )
    p.add_argument(
        "--out", default=None, help="folder for results.json and chart.png (default /tmp/polls-bench-<time>)"
    )
    args = p.parse_args(argv)
    for name in ("seconds", "rounds", "connections", "wrk_threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.seconds > 300 or args.rounds > 20:
        p.error("--seconds is at most 300 and --rounds at most 20: every run stays bounded")
    for flag, items in (("--set", args.set), ("--variant", args.variant)):
        for item in items:
            if not re.match(r"^polls_app_[a-z_]+=[^\s]+$", item):
                p.error(f"{flag} takes polls_app_NAME=VALUE, not {item!r}")
    args.targets = [t for t in args.targets.split(",") if t]
    args.pages = [x for x in args.pages.split(",") if x]
    args.growth_targets = [t for t in args.growth_targets.split(",") if t]
    for t in args.targets + args.growth_targets:
        if t not in TARGETS:
            p.error(f"unknown target {t!r}: use {', '.join(TARGETS)}")
    if ("variant" in args.targets + args.growth_targets) != bool(args.variant):
        p.error("the 'variant' target and --variant go together: --targets daemon,variant --variant VAR=VALUE")
    for x in args.pages + [args.scaling_page]:
        if x not in PAGES:
            p.error(f"unknown page {x!r}: use {', '.join(PAGES)}")
    try:
        args.scaling_levels = [int(c) for c in args.scaling_levels.split(",")]
    except ValueError:
        p.error("--scaling-levels takes numbers, e.g. 1,16,64,256")
    if any(c < 1 or c > 1024 for c in args.scaling_levels):
        p.error("--scaling-levels must be between 1 and 1024")
    return args


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    out_dir = args.out or f"/tmp/polls-bench-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    os.makedirs(out_dir, exist_ok=True)
    for tool in ("wrk", "nginx", "apache2"):
        if not shutil.which(tool):
            raise BenchError(f"{tool} is not installed (scripts/bench installs it)")
    if not os.path.isdir(os.path.join(GUNICORN_DIR, "gunicorn")):
        raise BenchError(f"gunicorn is not in {GUNICORN_DIR} (scripts/bench installs it)")

    user = runtime_user()
    wanted = sorted(set(args.targets) | (set(args.growth_targets) if args.growth else set()), key=TARGETS.index)
    ports = {name: args.base_port + i for i, name in enumerate(TARGETS)}
    for name in wanted:
        if not port_free(ports[name]):
            raise BenchError(f"127.0.0.1:{ports[name]} is in use: pick other ports with --base-port")

    work = tempfile.mkdtemp(prefix="polls-bench-run-")
    os.chmod(work, 0o755)
    os.makedirs(os.path.join(work, "hello"))
    os.chmod(os.path.join(work, "hello"), 0o755)
    with open(os.path.join(work, "hello", "bench_hello.py"), "w") as f:
        f.write(HELLO_WSGI)
    # gunicorn gets daemon mode's processes x threads, as rendered from apache/.
    sizing_dir = os.path.join(work, "sizing")
    render_apache("daemon", sizing_dir, user, args.set)
    processes, threads = daemon_sizing(os.path.join(sizing_dir, "polls-site.conf"))
    layout = site_layout(os.path.join(sizing_dir, "polls-site.conf"))
    if not os.path.isfile(os.path.join(layout["venv"], "bin", "python")):
        raise BenchError(f"no virtualenv at {layout['venv']}: deploy this branch first (scripts/deploy)")

    targets = {}
    for name in wanted:
        if name in GUNICORNS:
            python = None
            if name != "gunicorn":
                python = libpython_venv(layout["venv"], os.path.join(work, "libpython"), loaded_libpython())
            targets[name] = GunicornTarget(
                ports[name],
                work,
                user,
                processes,
                threads,
                backlog=1024,
                keepalive_requests=1000,
                layout=layout,
                name=name,
                python=python,
            )
        elif name == "variant":
            targets[name] = ApacheTarget(
                name, ports[name], work, user, args.set + args.variant, tls=layout["tls"], mode="daemon"
            )
        else:
            targets[name] = ApacheTarget(name, ports[name], work, user, args.set, tls=layout["tls"])

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    if args.no_page_cache:
        # Every server's environment is copied from this one, and a variable
        # set here wins over the deployed env file (Env.read_env never overwrites).
        os.environ["DJANGO_PAGE_CACHE_SECONDS"] = "0"
    results = {
        "started": started,
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "wrk_threads": args.wrk_threads,
            "processes": processes,
            "threads": threads,
            "cpus": os.cpu_count(),
            "ports": {n: ports[n] for n in wanted},
            "set": args.set,
            "variant": args.variant,
            "tls": layout["tls"],
            "page_cache": not args.no_page_cache,
        },
    }
    try:
        data = bench_data(layout)
        results["data"] = data
        for target in targets.values():
            log(f"starting {target.name} on 127.0.0.1:{target.port}")
            target.start(args.start_timeout)
        paths = page_paths(args.pages, data)
        # Every page must answer 200 everywhere before anything is measured.
        for target in targets.values():
            for path in paths.values():
                status, body = http_get(target.base + path)
                if status != 200:
                    raise BenchError(f"{target.name} answered {status} for {path}: {body[:300]!r}")
        log(f"warm-up: {WARM_UP_SECONDS} s of load on every page of every server, not counted")
        # A short load of each page on each server first, its figures thrown
        # away: the rounds then measure servers in their steady state, not
        # every process's first answers (lazy imports and connections, the
        # collector's first full passes and gc.freeze(), mysite/gcfreeze.py),
        # which otherwise all land in round 1.
        for target in targets.values():
            for path in paths.values():
                run_wrk(target, path, WARM_UP_SECONDS, args.connections, args.wrk_threads)
        main_targets = [targets[t] for t in args.targets]
        if not args.no_main:
            table = summarize(
                measure_rounds(main_targets, paths, args.rounds, args.seconds, args.connections, args.wrk_threads)
            )
            results["main"] = table
            results["ratios"] = ratios(table)
        if args.scaling:
            spath = page_paths([args.scaling_page], data)[args.scaling_page]
            results["scaling_page"] = args.scaling_page
            results["scaling"] = scaling(
                main_targets,
                spath,
                args.scaling_seconds or args.seconds,
                args.scaling_levels,
                args.rounds,
                args.wrk_threads,
            )
        if args.growth:
            gpaths = page_paths(GROWTH_PAGES, data)
            results["growth"] = growth([targets[t] for t in args.growth_targets], gpaths, args, data)
    except KeyboardInterrupt:
        log("interrupted: stopping everything the benchmark started")
        raise
    finally:
        for target in targets.values():
            target.stop()
        shutil.rmtree(work, ignore_errors=True)

    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nsettings: {json.dumps(results['settings'])}")
    if "ratios" in results:
        print_ratios(results["ratios"])
    if "main" in results:
        print_table(results["main"], f"medians over {args.rounds} rounds, {args.seconds} s each, -c{args.connections}")
    if "scaling" in results:
        print_table(results["scaling"], f"scaling: {results['scaling_page']} by connections (page column)")
    if "growth" in results:
        print_growth(results["growth"])
    png = chart(results, os.path.join(out_dir, "chart.png"))
    print(f"\nresults: {os.path.join(out_dir, 'results.json')}" + (f"\nchart:   {png}" if png else ""))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
