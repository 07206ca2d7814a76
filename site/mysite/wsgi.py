"""WSGI entry point.

Apache's mod_wsgi imports `application` from here (through the deployed
/srv/polls/polls.wsgi, which only names the environment file first).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_wsgi_application()
