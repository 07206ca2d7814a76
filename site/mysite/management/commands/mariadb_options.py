"""The main database's connection as a MariaDB client option file, read from
the site's own settings (DATABASE_URL), for the tools that talk to MariaDB
beside Django: polls-backup and polls-restore (ansible/roles/backup).

    manage.py mariadb_options > client.cnf   # [client] user, password, host, port
    manage.py mariadb_options --database     # only the database's name

The file holds the password: write it where only its reader can read it.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the main database's connection as a [client] option file (or its name)."

    def add_arguments(self, parser):
        parser.add_argument("--database", action="store_true", help="print only the database's name")

    def handle(self, *args, database, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.mysql":
            raise CommandError(f"the main database is not MariaDB ({db['ENGINE']}): DATABASE_URL is not mysql://")
        if database:
            self.stdout.write(db["NAME"])
            return
        lines = ["[client]", f"user={db['USER']}", f"password={db['PASSWORD']}", f"host={db['HOST'] or 'localhost'}"]
        if db["PORT"]:
            lines.append(f"port={db['PORT']}")
        self.stdout.write("\n".join(lines))
