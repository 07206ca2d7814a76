"""Static checks of the Python code: ruff's lint rules (pyproject.toml) over
site/, tests/ and scripts/lib/ (the benchmark), and ruff's formatting where the code has been formatted."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Everything is formatted with `ruff format` (migrations as generated, see pyproject.toml).
FORMATTED = ["site", "tests", "scripts/lib"]


def ruff(*args):
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert exe, "ruff is not installed in the test virtualenv (tests/requirements.txt)"
    return subprocess.run([exe, *args], cwd=REPO_ROOT, capture_output=True, text=True)


def test_ruff_check_is_clean():
    result = ruff("check", "--no-cache", "--output-format", "concise", *FORMATTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = ruff("format", "--no-cache", "--check", "--diff", *FORMATTED)
    assert result.returncode == 0, result.stdout + result.stderr
