"""HTTPS as deployed on this machine: redirect, HSTS, TLS versions, HTTP/2,
the certificate and the local CA that signed it."""

import socket
import ssl
import subprocess
import warnings

import pytest
import requests

from deploylib import CA_CERT, HTTP_URL

pytestmark = pytest.mark.deploy
HOST, PORT = "127.0.0.1", 443


def handshake(context, server_hostname=None):
    """(TLS version, ALPN protocol) the server agrees to, or the SSLError."""
    with socket.create_connection((HOST, PORT), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname or HOST) as tls:
            return tls.version(), tls.selected_alpn_protocol()


def context_for(version=None):
    context = ssl.create_default_context(cafile=str(CA_CERT))
    if version is not None:
        with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = version
        # OpenSSL 3 refuses TLS 1.1 itself at its default security level.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def test_http_redirects_to_https_permanently(deployed_site):
    response = requests.get(HTTP_URL + "/polls/?page=1", allow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"] == "https://127.0.0.1/polls/?page=1"


def test_healthz_answers_over_plain_http_for_load_balancers(deployed_site):
    response = requests.get(HTTP_URL + "/healthz", allow_redirects=False, timeout=10)
    assert response.status_code == 200, response.text
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_on_pages_and_static_files(deployed_site):
    for path in ("/", "/static/admin/css/base.css"):
        response = requests.get(deployed_site.url(path), timeout=10)
        assert len(response.raw.headers.getlist("Strict-Transport-Security")) == 1, path
        header = response.headers["Strict-Transport-Security"]
        assert header.startswith("max-age=") and int(header.split("=")[1].split(";")[0]) > 0, (path, header)
        assert "includeSubDomains" in header, header


def test_session_and_csrf_cookies_are_secure(deployed_site):
    session = requests.Session()
    session.get(deployed_site.url("/admin/login/"), timeout=10)
    csrf = next(cookie for cookie in session.cookies if cookie.name == "csrftoken")
    assert csrf.secure
    from deploylib import admin_session

    admin = admin_session(deployed_site)
    sessionid = next(cookie for cookie in admin.cookies if cookie.name == "sessionid")
    assert sessionid.secure and sessionid.has_nonstandard_attr("HttpOnly")


def test_certificate_verifies_against_the_local_ca_for_every_name(deployed_site):
    for name in ("localhost", "127.0.0.1"):
        version, _ = handshake(context_for(), server_hostname=name)
        assert version in ("TLSv1.2", "TLSv1.3")
    # A name the certificate does not carry fails verification: the check is real.
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(context_for(), server_hostname="not-this-site.example")


def test_tls_1_1_is_refused_and_1_2_accepted(deployed_site):
    # The client really can speak TLS 1.1 (so a refusal is the server's doing):
    # a throwaway local server that allows it completes the handshake.
    assert client_can_speak_tls_1_1()
    with pytest.raises(ssl.SSLError):
        handshake(context_for(ssl.TLSVersion.TLSv1_1))
    assert handshake(context_for(ssl.TLSVersion.TLSv1_2))[0] == "TLSv1.2"


def client_can_speak_tls_1_1():
    import threading

    key_dir = CA_CERT.parent  # any certificate will do; reuse the CA's own file
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        server_context.minimum_version = ssl.TLSVersion.TLSv1_1
    server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
    server_context.load_cert_chain(key_dir / "site.crt", key_dir / "private" / "site.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result = {}

    def serve():
        conn, _ = listener.accept()
        try:
            with server_context.wrap_socket(conn, server_side=True) as tls:
                result["version"] = tls.version()
        except ssl.SSLError as exc:
            result["error"] = exc

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = context_for(ssl.TLSVersion.TLSv1_1)
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client.wrap_socket(raw) as tls:
                version = tls.version()
    finally:
        thread.join(10)
        listener.close()
    return version == "TLSv1.1"


def test_http2_is_negotiated_by_alpn(deployed_site):
    context = context_for()
    context.set_alpn_protocols(["h2", "http/1.1"])
    assert handshake(context)[1] == "h2"
    context = context_for()
    context.set_alpn_protocols(["http/1.1"])
    assert handshake(context)[1] == "http/1.1"


def test_no_cleartext_http2(deployed_site):
    """HTTP/2 only over TLS: Debian's own mod_http2 settings also offered h2c
    on port 80 (by Upgrade, or to a client that starts in HTTP/2)."""
    with socket.create_connection((HOST, 80), timeout=10) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        answer = sock.recv(4096)
    # An h2c server answers with a binary SETTINGS frame instead.
    assert answer.startswith(b"HTTP/1.1 "), answer[:60]
    offered = requests.get(HTTP_URL + "/healthz", allow_redirects=False, timeout=10).headers.get("Upgrade", "")
    assert "h2c" not in offered, offered


def test_ca_certificate_download_and_page(deployed_site):
    page = requests.get(deployed_site.url("/tls/"), headers={"Accept-Language": "en"}, timeout=10)
    assert page.status_code == 200 and 'href="/tls/ca.crt"' in page.text
    korean = requests.get(deployed_site.url("/tls/"), headers={"Accept-Language": "ko"}, timeout=10)
    assert "인증서" in korean.text
    download = requests.get(deployed_site.url("/tls/ca.crt"), timeout=10)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert download.content == CA_CERT.read_bytes()
    # It is a CA certificate, and the one that signed the site's certificate.
    text = subprocess.run(
        ["openssl", "x509", "-noout", "-text"], input=download.content, capture_output=True, check=True
    ).stdout.decode()
    assert "CA:TRUE" in text
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", str(CA_CERT), str(CA_CERT.parent / "site.crt")], capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_keys_are_root_only(deployed_site):
    import os
    import stat

    for key in ("ca.key", "site.key"):
        info = os.stat(CA_CERT.parent / "private" / key)
        assert info.st_uid == 0 and stat.S_IMODE(info.st_mode) == 0o600, key
