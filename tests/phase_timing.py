"""Print how long each phase of the run took (a phase is a folder of tests/).

CI has a hard time limit; this table shows where the time goes. Loaded by
pytest.ini (`-p phase_timing`). Setup and teardown count towards the phase of
the test that triggered them, so a session fixture that deploys the stack is
charged to the first deployment test.
"""

import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

_TESTS_DIR = Path(__file__).resolve().parent
_seconds = defaultdict(float)
_counts = defaultdict(int)
_order = []
_started = time.monotonic()
_steps = defaultdict(list)  # section title -> [(step, seconds)]


@contextmanager
def step(section, name):
    """Time one step of a longer phase (booting the lab, `vagrant up`, ...);
    the steps are printed under `section` at the end of the run."""
    start = time.monotonic()
    try:
        yield
    finally:
        _steps[section].append((name, time.monotonic() - start))


def _phase(nodeid):
    parts = Path(nodeid.split("::", 1)[0]).parts
    if parts and parts[0] == _TESTS_DIR.name:
        parts = parts[1:]
    return parts[0] if len(parts) > 1 else "(top level)"


def pytest_runtest_logreport(report):
    phase = _phase(report.nodeid)
    if phase not in _seconds:
        _order.append(phase)
    _seconds[phase] += report.duration
    if report.when == "call":
        _counts[phase] += 1


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    for section, steps in _steps.items():
        terminalreporter.section(section)
        for name, seconds in steps:
            write(f"{name:<45} {seconds:8.1f} s")
        write(f"{'total':<45} {sum(seconds for _, seconds in steps):8.1f} s")
    if not _order:
        return
    terminalreporter.section("time per phase")
    for phase in _order:
        minutes, seconds = divmod(int(_seconds[phase]), 60)
        write(f"{phase:<12} {_counts[phase]:>4} tests  {minutes:>3} min {seconds:02d} s")
    minutes, seconds = divmod(int(time.monotonic() - _started), 60)
    write(f"{'all':<12} {sum(_counts.values()):>4} tests  {minutes:>3} min {seconds:02d} s (wall clock)")
