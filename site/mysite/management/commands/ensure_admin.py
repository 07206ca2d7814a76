"""Create or update the site's superuser; safe to run on every deploy.

    manage.py ensure_admin --username admin --email admin@example.com \
        --password-file /etc/polls/admin-password

Prints one word: `created` (no such user before), `updated` (the password,
e-mail or flags had to change) or `unchanged`, so Ansible can report
"changed" only when something changed.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create the superuser if missing, or reset its password if it differs."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-file",
            required=True,
            help="file whose content (without the trailing newline) is the password",
        )

    def handle(self, *args, username, email, password_file, **options):
        password = self._read_password(password_file)
        User = get_user_model()
        with transaction.atomic():
            user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
            if user is None:
                User._default_manager.create_superuser(
                    **{User.USERNAME_FIELD: username}, email=email, password=password
                )
                result = "created"
            else:
                changed = []
                if not user.check_password(password):
                    user.set_password(password)
                    changed.append("password")
                for flag in ("is_staff", "is_superuser", "is_active"):
                    if not getattr(user, flag):
                        setattr(user, flag, True)
                        changed.append(flag)
                if email and getattr(user, "email", email) != email:
                    user.email = email
                    changed.append("email")
                if changed:
                    user.save()
                result = "updated" if changed else "unchanged"
        self.stdout.write(result)

    @staticmethod
    def _read_password(password_file):
        path = Path(password_file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"password file {path} does not exist") from None
        except OSError as exc:
            raise CommandError(f"cannot read password file {path}: {exc.strerror}") from None
        password = text.rstrip("\r\n")
        if not password.strip():
            raise CommandError(f"password file {path} is empty")
        return password
