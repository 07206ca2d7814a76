"""mysite/warmup.py: a serving process does Django's first-use work when it
imports the application, so its first request costs what the later ones do."""

import json
import os
import subprocess
import sys
from pathlib import Path

from mysite import warmup

SITE = Path(__file__).resolve().parents[2] / "site"

# Imports the application as mod_wsgi and gunicorn do, then answers one
# request, and reports what was loaded before and by that request.
PROBE = """
import json, sys, time
from wsgiref.util import setup_testing_defaults
before_import = set(sys.modules)
from mysite.wsgi import application
from django.template import engines

loaders = engines["django"].engine.template_loaders
compiled = sorted(name for loader in loaders for name in getattr(loader, "get_template_cache", {}))
before_request = set(sys.modules)
environ = {"PATH_INFO": "/polls/"}
setup_testing_defaults(environ)
started = time.process_time()
statuses = []
response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
b"".join(response)
response.close()
print(json.dumps({
    "imported_at_import": sorted(set(sys.modules) - before_import),
    "imported_by_request": sorted(set(sys.modules) - before_request),
    "compiled": compiled,
    "status": statuses[0],
}))
"""


def run_probe(tmp_path):
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SITE),
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "DJANGO_LOG_DIR": str(tmp_path / "logs"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_importing_the_application_loads_the_urlconf_and_compiles_the_templates(tmp_path):
    out = run_probe(tmp_path)
    # The URLconf and the views behind it, and the cache backend.
    for module in ("mysite.urls", "polls.views", "services.api.urls", "rest_framework.serializers"):
        assert module in out["imported_at_import"], module
    # The project's templates, not the admin's.
    assert {"polls/detail.html", "polls/index.html", "home.html", "base.html"} <= set(out["compiled"])
    assert not [name for name in out["compiled"] if name.startswith("admin/")]
    # Nothing of the site or of Django's URL handling is left for the first request.
    project = ("mysite", "polls", "books", "services", "runtime", "rest_framework", "django.urls")
    late = [m for m in out["imported_by_request"] if m.split(".")[0] in project or m.startswith("django.urls")]
    assert late == [], late
    assert out["status"]  # answered (503 here: the probe's database has no tables)


def test_a_template_that_does_not_compile_is_logged_and_the_rest_compiled(tmp_path, settings, caplog):
    (tmp_path / "fine.html").write_text("<p>{{ value }}</p>")
    (tmp_path / "broken.html").write_text("{% if value %}never closed")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    with caplog.at_level("WARNING", logger="mysite.warmup"):
        compiled = warmup.compile_templates()
    assert "broken.html does not compile" in caplog.text
    assert "fine.html" not in caplog.text
    assert compiled >= 1 + len(list((SITE / "polls" / "templates").rglob("*.html")))


def test_project_template_dirs_are_the_projects_own():
    dirs = [d.resolve() for d in warmup.project_template_dirs()]
    assert (SITE / "polls" / "templates").resolve() in dirs
    assert all(d.is_relative_to(SITE.resolve()) for d in dirs), dirs
