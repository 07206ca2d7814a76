"""The inventories wire the roles together as documented: the production
example once copied and renamed as the README says (web and db on separate
hosts), and the Vagrant VM (everything on one host, MongoDB Community with
authentication, Apache on every interface)."""

import os
import shutil
import subprocess
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "ansible" / "inventories" / "production"
ANSIBLE_BIN = Path(os.environ.get("POLLS_TOOLS_DIR", "/opt/polls-tools")) / "ansible" / "bin"


def copy_example(dest):
    for example in EXAMPLE.rglob("*.example"):
        target = dest / example.relative_to(EXAMPLE).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(example, target)
    return dest / "hosts.yml"


def ansible(*args):
    # Facts cached by earlier deploys would stand in for "no facts" here.
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible" / "ansible.cfg"),
        "NO_COLOR": "1",
        "ANSIBLE_CACHE_PLUGIN": "memory",
    }
    return subprocess.run(args, cwd=REPO_ROOT / "ansible", capture_output=True, text=True, env=env)


def resolved(inventory, host, expression, secrets_dir=None):
    """What `expression` evaluates to for `host` (secrets generated into secrets_dir)."""
    extra = ["-e", f"polls_secrets_dir={secrets_dir}"] if secrets_dir else []
    result = ansible(
        str(ANSIBLE_BIN / "ansible"),
        "-i",
        str(inventory),
        host,
        "-m",
        "debug",
        "-a",
        f"msg={{{{ {expression} }}}}",
        *extra,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.split("msg:", 1)[1].strip().strip("'")


def test_production_example_resolves_the_split_hosts(tmp_path):
    inventory = copy_example(tmp_path)
    syntax = ansible(str(ANSIBLE_BIN / "ansible-playbook"), "--syntax-check", "-i", str(inventory), "site.yml")
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr

    assert resolved(inventory, "web1.example.com", "polls_app_db_host") == "10.0.0.21"
    assert resolved(inventory, "db1.example.com", "mariadb_users[0].host") == "10.0.0.%"
    redis_url = resolved(inventory, "web2.example.com", "polls_app_redis_url")
    assert redis_url.startswith("redis://:") and redis_url.endswith("@db1.example.com:6379/0")
    mongo_uri = resolved(inventory, "web1.example.com", "polls_app_mongo_uri")
    assert mongo_uri.startswith("mongodb://polls:")
    assert mongo_uri.endswith("@db1.example.com:27017/polls?authSource=polls")
    # The load balancer: one HAProxy server per web host, and only its address is trusted by them.
    assert resolved(inventory, "lb1.example.com", "haproxy_backend_servers | map(attribute='name') | join(',')") == (
        "web1.example.com,web2.example.com"
    )
    assert resolved(inventory, "web1.example.com", "polls_app_trusted_proxies | join(',')") == "lb1.example.com"
    assert len(resolved(inventory, "lb1.example.com", "haproxy_stats_password")) == 32
    # Secrets are generated next to the copied inventory, never in the repository.
    assert (tmp_path / ".secrets" / "redis_password").is_file()
    assert not (EXAMPLE / ".secrets").exists()


def test_vagrant_inventory_wires_a_real_mongodb_with_credentials(tmp_path):
    inventory = REPO_ROOT / "ansible" / "inventories" / "vagrant" / "hosts.yml"
    vm = partial(resolved, inventory, "polls-vm", secrets_dir=tmp_path)
    assert vm("mongodb_flavor") == "community"
    mongo_uri = vm("polls_app_mongo_uri")
    assert mongo_uri.startswith("mongodb://polls:") and mongo_uri.endswith("@127.0.0.1:27017/polls?authSource=polls")
    assert vm("httpd_listen | join(',')") == "80,443"
    assert "192.168.56.101" in vm("polls_app_allowed_hosts | join(',')")
    assert vm("polls_app_db_host") == "localhost"


def test_local_inventory_listens_on_loopback_and_uses_nx27017(tmp_path):
    inventory = REPO_ROOT / "ansible" / "inventories" / "local" / "hosts.yml"
    # Without facts (as here) only IPv4's loopback; the deploy adds [::1]:80 and [::1]:443 where lo has IPv6.
    assert resolved(inventory, "localhost", "httpd_listen | join(',')", tmp_path) == "127.0.0.1:80,127.0.0.1:443"
    assert resolved(inventory, "localhost", "polls_app_mongo_uri", tmp_path) == "mongodb://127.0.0.1:27017/polls"
    # No load balancer here: no proxy is believed.
    assert resolved(inventory, "localhost", "polls_app_trusted_proxies | length", tmp_path) == "0"
