"""Take what a warmed-up process holds for good out of the garbage collector's way.

CPython's full (generation 2) collection walks every tracked object while it
holds the GIL, so every thread of the process waits for it. A process that has
served its first requests holds ~90 000 such objects that live as long as it
does (Django, URL resolvers, compiled templates, each thread's database and
cache connections). Walking them takes ~15 ms on an idle core, but 100-250 ms
under load on a shared machine, once every few seconds to minutes per process:
measured here, each of the p99 spikes of embedded mode's /healthz (4 processes
x 128 threads, all in Apache) ended exactly when a full collection of that
process did.

gc.freeze() moves every object tracked at that moment into a permanent
generation that no collection walks again; later full collections walk only
what was allocated since. It runs twice per process:
- when the application has been imported (most of the objects), right after a
  full collection, so that no garbage is frozen: the process is still idle;
- after its first `requests` answers, when the lazily built parts exist
  (without the first freeze, the collections of the warm-up would walk
  everything, under load). This one comes under load, so it collects only the
  young generations first. A full collection there walks the ~45 000 objects
  built since the import: 8 ms on an idle core, but in embedded mode under
  load it paused the process's threads for 180-400 ms, once per process (the
  p99 of a benchmark's first round). The young generations take under 1 ms
  idle, and what they leave of the garbage, the few objects that were already
  old when they died (~90 objects, 14 KB, measured after 500 answers of the
  site's pages), stays frozen.
Cyclic garbage created later is still collected as before. What the warm-up
left frozen that would have died later stays in memory: one-off and bounded.
"""

import gc
import threading

from django.core.signals import request_finished


class FreezeAfterWarmUp:
    """A request_finished receiver that freezes the heap after `requests`
    answers, then disconnects itself (no cost afterwards)."""

    def __init__(self, requests):
        if requests < 1:
            raise ValueError("requests must be at least 1")
        self.left = requests
        self._lock = threading.Lock()

    def __call__(self, **kwargs):
        with self._lock:
            self.left -= 1
            if self.left != 0:
                return  # below zero: answers already under way when it froze
        request_finished.disconnect(self, dispatch_uid=__name__)
        collect_and_freeze(generation=1)


def collect_and_freeze(generation=2):
    """Collect generations up to `generation` (2: all), then freeze."""
    gc.collect(generation)
    gc.freeze()


def freeze_after(requests):
    """Freeze the heap now, and again after this process's first `requests`
    answers; 0 or less leaves the collector as CPython sets it. Returns the
    receiver (or None)."""
    if requests < 1:
        return None
    collect_and_freeze()
    receiver = FreezeAfterWarmUp(requests)
    # Strong reference: the receiver lives until it disconnects itself.
    request_finished.connect(receiver, weak=False, dispatch_uid=__name__)
    return receiver
