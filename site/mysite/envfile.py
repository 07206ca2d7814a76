"""Read a deployment's environment file into os.environ.

Under mod_wsgi, Apache's SetEnv reaches only the per-request WSGI environ, not
os.environ, so settings cannot rely on the process environment alone.  The
deployment (ansible/roles/polls_app) writes KEY=VALUE lines to one file and
names it in DJANGO_ENV_FILE (set by the WSGI script and by `polls-manage`).
Values already in the environment win, so a shell can still override one.
"""

import os
from pathlib import Path


def parse_env_file(text):
    """Return the KEY=VALUE pairs of an environment file as a dict.

    Blank lines and lines starting with '#' are skipped; one pair of matching
    single or double quotes around a value is removed.
    """
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"line {number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_env_file(path=None):
    """Load DJANGO_ENV_FILE (or `path`) into os.environ without overriding."""
    path = path or os.environ.get("DJANGO_ENV_FILE")
    if not path:
        return {}
    values = parse_env_file(Path(path).read_text(encoding="utf-8"))
    for key, value in values.items():
        os.environ.setdefault(key, value)
    return values
