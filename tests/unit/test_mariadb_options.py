"""manage.py mariadb_options: the main database's connection from DATABASE_URL,
as the backup tools read it (a MariaDB [client] option file, or the name)."""

import os
import subprocess
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "site"


def manage(tmp_path, database_url, *args):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_LOG_DIR": str(tmp_path / "logs"),
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, str(SITE / "manage.py"), "mariadb_options", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_option_file_from_the_url(tmp_path):
    result = manage(tmp_path, "mysql://polls:p%40ss@db.internal:3307/pollsdb")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[client]", "user=polls", "password=p@ss", "host=db.internal", "port=3307"]


def test_local_socket_without_port(tmp_path):
    result = manage(tmp_path, "mysql://polls:pw@localhost/polls")
    assert result.stdout.splitlines() == ["[client]", "user=polls", "password=pw", "host=localhost"]


def test_database_name(tmp_path):
    result = manage(tmp_path, "mysql://polls:pw@localhost:3306/pollsdb", "--database")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pollsdb"


def test_sqlite_is_refused(tmp_path):
    result = manage(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode != 0
    assert "not MariaDB" in result.stderr and "password" not in result.stdout
