"""The ensure_admin management command used by the deployment (idempotent)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def ensure_admin(password_file, username="admin", email="admin@example.com"):
    out = StringIO()
    call_command(
        "ensure_admin",
        "--username",
        username,
        "--email",
        email,
        "--password-file",
        str(password_file),
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "admin-password"
    path.write_text("correct horse battery staple\n")
    return path


def test_created_then_unchanged(password_file):
    assert ensure_admin(password_file) == "created\n"
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.email == "admin@example.com"
    # The trailing newline is not part of the password.
    assert user.check_password("correct horse battery staple")
    assert not user.check_password("correct horse battery staple\n")
    assert ensure_admin(password_file) == "unchanged\n"
    assert get_user_model().objects.count() == 1


def test_new_password_is_updated(password_file):
    ensure_admin(password_file)
    password_file.write_text("a brand new password\n")
    assert ensure_admin(password_file) == "updated\n"
    assert get_user_model().objects.get(username="admin").check_password("a brand new password")
    assert ensure_admin(password_file) == "unchanged\n"


def test_existing_plain_user_is_promoted(password_file):
    User = get_user_model()
    User.objects.create_user("admin", "admin@example.com", "correct horse battery staple", is_active=False)
    assert ensure_admin(password_file) == "updated\n"
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.is_active


def test_missing_password_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        ensure_admin(tmp_path / "nope")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("content", ["", "\n", "   \n"])
def test_empty_password_file_is_an_error(tmp_path, content):
    path = tmp_path / "admin-password"
    path.write_text(content)
    with pytest.raises(CommandError, match="empty"):
        ensure_admin(path)
    assert not get_user_model().objects.exists()


def test_command_line_prints_one_word(tmp_path, password_file):
    """Through manage.py, as Ansible runs it: stdout is exactly one word."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    site = Path(__file__).resolve().parents[2] / "site"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_LOG_DIR": str(tmp_path / "logs"),
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, str(site / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    migrate = run("migrate", "--noinput", "--skip-checks")
    assert migrate.returncode == 0, migrate.stderr
    args = (
        "ensure_admin",
        "--username",
        "admin",
        "--email",
        "a@example.com",
        "--password-file",
        str(password_file),
        "--skip-checks",
    )
    assert run(*args).stdout == "created\n"
    assert run(*args).stdout == "unchanged\n"
    bad = run("ensure_admin", "--username", "admin", "--password-file", str(tmp_path / "missing"), "--skip-checks")
    assert bad.returncode != 0 and "does not exist" in bad.stderr and bad.stdout == ""
