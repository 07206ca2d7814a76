"""Helpers of the deployed services tests: a PNG made by hand, and stopping a
backing service for a block (named uniquely: this directory is not a package).
The API client is tests/api_client.py."""

import contextlib
import socket
import struct
import subprocess
import zlib

from deploylib import wait_until


def png_bytes(width=64, height=48, rgb=(20, 120, 200)):
    """A valid PNG made by hand (no Pillow needed by the test runner)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def service(name, action):
    result = subprocess.run(["service", name, action], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"service {name} {action}: {result.stdout}{result.stderr}"


def port_open(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def stopped(name, port=None):
    """Stop an init-script service for the block; always start it again."""
    service(name, "stop")
    if port:
        wait_until(lambda: not port_open(port), timeout=30, what=f"{name} to stop")
    try:
        yield
    finally:
        service(name, "start")
        if port:
            wait_until(lambda: port_open(port), timeout=90, what=f"{name} to listen again")
