"""mysite/gcfreeze.py: the heap is frozen at import (after a full collection)
and once more after the warm-up answers (after a collection of the young
generations only); later garbage is still collected.

Each case runs in a new interpreter: freezing is process-wide and would
otherwise change the collector of the test run itself."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mysite.gcfreeze import FreezeAfterWarmUp, freeze_after

SITE = Path(__file__).resolve().parents[2] / "site"

# Answers requests through mysite.wsgi's `application`, as mod_wsgi and
# gunicorn do, and reports the collector's state after each one.
PROBE = """
import gc, json, weakref
from wsgiref.util import setup_testing_defaults
from django.core.signals import request_finished
from mysite.wsgi import application

def connected():
    return any(entry[0][0] == "mysite.gcfreeze" for entry in request_finished.receivers)

class Node:
    pass

def answer():
    environ = {"PATH_INFO": "/no-such-page/"}
    setup_testing_defaults(environ)
    statuses = []
    response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(response)
    response.close()  # Django sends request_finished here
    return statuses[0]

def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)

out = {"at_import": gc.get_freeze_count(), "statuses": [], "frozen": [], "connected": []}
for i in range(5):
    if i == 1:
        held = [Node(), Node()]
        held[0].other, held[1].other = held[1], held[0]
        old_garbage = weakref.ref(held[0])
        gc.collect()  # still alive: now in the oldest generation
        held = None  # dead, and old, before the answer that freezes
    if i == 2:
        warm_up_garbage = cycle()  # dead before the answer that freezes
    out["statuses"].append(answer())
    out["frozen"].append(gc.get_freeze_count())
    out["connected"].append(connected())
    if i == 2:
        out["warm_up_garbage_collected"] = warm_up_garbage() is None
        gc.collect()
        out["old_garbage_frozen"] = old_garbage() is not None

later_garbage = cycle()
gc.collect()
out["later_garbage_collected"] = later_garbage() is None
print(json.dumps(out))
"""


def run_probe(tmp_path, after):
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SITE),
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "DJANGO_LOG_DIR": str(tmp_path / "logs"),
    }
    if after is not None:
        environ["DJANGO_GC_FREEZE_AFTER_REQUESTS"] = str(after)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_freezes_once_after_the_warm_up_answers(tmp_path):
    out = run_probe(tmp_path, 3)
    assert out["statuses"] == ["404 Not Found"] * 5
    # Once the application is imported: Django and the site, tens of thousands.
    assert out["at_import"] > 10_000, out
    # Nothing more is frozen before the third answer (frozen objects may die).
    assert out["frozen"][0] <= out["at_import"] and out["frozen"][1] <= out["at_import"], out
    # Again after it: what the answers built lazily as well.
    assert out["frozen"][2] > out["frozen"][1], out
    # Once: the receiver is gone, later answers cost nothing.
    assert out["connected"] == [True, True, False, False, False]
    # The young generations were collected first: the warm-up's recent cyclic
    # garbage is not kept...
    assert out["warm_up_garbage_collected"] is True
    # ...but only they (a full collection would pause a loaded process): what
    # was already old when it died stays frozen, even through full collections.
    assert out["old_garbage_frozen"] is True
    # The collector still frees what becomes garbage afterwards.
    assert out["later_garbage_collected"] is True


def test_zero_leaves_the_collector_alone(tmp_path):
    out = run_probe(tmp_path, 0)
    assert out["statuses"] == ["404 Not Found"] * 5
    assert out["at_import"] == 0
    assert out["frozen"] == [0] * 5
    assert out["connected"] == [False] * 5


def test_on_by_default_and_waits_for_more_answers(tmp_path):
    # 5 answers are far from the default (500): only the import's freeze yet.
    out = run_probe(tmp_path, None)
    assert out["at_import"] > 10_000
    assert out["connected"] == [True] * 5


def test_receiver_rejects_a_count_below_one():
    with pytest.raises(ValueError):
        FreezeAfterWarmUp(0)
    assert freeze_after(0) is None
    assert freeze_after(-1) is None
