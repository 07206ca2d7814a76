"""Static checks of the Ansible tree: ansible-lint (with the repository's
.ansible-lint: the production profile) and syntax."""

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_BIN = Path(os.environ.get("POLLS_TOOLS_DIR", "/opt/polls-tools")) / "ansible" / "bin"


def run(*cmd):
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible" / "ansible.cfg"), "NO_COLOR": "1"}
    return subprocess.run(cmd, cwd=REPO_ROOT / "ansible", capture_output=True, text=True, env=env)


def test_ansible_lint_production_profile_is_clean():
    config = REPO_ROOT / ".ansible-lint"
    result = run(str(ANSIBLE_BIN / "ansible-lint"), "-c", str(config), "--nocolor", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required" in result.stdout + result.stderr, f"{config} was not read"


def test_playbook_syntax_for_every_inventory():
    for inventory in (
        "inventories/local/hosts.yml",
        "inventories/vagrant/hosts.yml",
        "../tests/fleet/inventory/hosts.yml",
    ):
        result = run(str(ANSIBLE_BIN / "ansible-playbook"), "--syntax-check", "-i", inventory, "site.yml")
        assert result.returncode == 0, inventory + "\n" + result.stdout + result.stderr


def test_a_wrong_mode_fails_early():
    """meta/argument_specs.yml refuses a mode that does not exist before any task runs."""
    result = run(
        str(ANSIBLE_BIN / "ansible-playbook"),
        "-i",
        "inventories/local/hosts.yml",
        "site.yml",
        "--check",
        "--tags",
        "never",
        "-e",
        "polls_app_wsgi_mode=threaded",
    )
    # --tags never skips every task, but argument validation still runs.
    assert result.returncode != 0
    assert "polls_app_wsgi_mode" in result.stdout and "daemon, embedded" in result.stdout
