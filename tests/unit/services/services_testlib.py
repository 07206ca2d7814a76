"""Helpers of the services unit tests (a module of its own: `conftest` is an
ambiguous name to import when several test directories have one)."""

import socket


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url(scheme, path=""):
    """A URL on a loopback port where nothing listens (a service that is down)."""
    return f"{scheme}://127.0.0.1:{free_port()}{path}"
