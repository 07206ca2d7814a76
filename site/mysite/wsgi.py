"""WSGI entry point.

Apache's mod_wsgi imports `application` from here (through the deployed
/srv/polls/polls.wsgi, which only names the environment file first).
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from mysite.gcfreeze import freeze_after
from mysite.warmup import warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_wsgi_application()

# A serving process only: Django's first-use work (URLconf, cache backend,
# catalogs, templates) now rather than in a visitor's request, then shorter
# pauses of the garbage collector (now, and once warm).
warm_up()
freeze_after(settings.GC_FREEZE_AFTER_REQUESTS)
