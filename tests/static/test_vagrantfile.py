"""The Vagrantfile is valid and provisions with this repository's playbook."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VAGRANTFILE = (REPO_ROOT / "Vagrantfile").read_text()


@pytest.mark.skipif(shutil.which("vagrant") is None, reason="vagrant is installed by scripts/test")
def test_vagrant_validate():
    env = {**os.environ, "VAGRANT_CHECKPOINT_DISABLE": "1"}
    result = subprocess.run(["vagrant", "validate"], cwd=REPO_ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Vagrantfile validated successfully" in result.stdout


def test_vm_matches_the_book_and_the_playbook():
    assert 'config.vm.box = "debian/bookworm64"' in VAGRANTFILE
    assert re.search(r'"private_network", ip: "192\.168\.56\.101"', VAGRANTFILE)
    assert re.search(r'"forwarded_port", guest: 80, host: 8080', VAGRANTFILE)
    assert 'ansible.playbook = "site.yml"' in VAGRANTFILE
    inventory = re.search(r'ansible.inventory_path = "([^"]+)"', VAGRANTFILE).group(1)
    assert (REPO_ROOT / "ansible" / inventory).is_file()
    assert "192.168.56.101" in (REPO_ROOT / "ansible" / inventory).parent.joinpath("group_vars/all.yml").read_text()
