"""Processes a test started itself (a Popen), stopped by their PID only."""

import subprocess


def stop(process, timeout=10):
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
