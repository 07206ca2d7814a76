"""The page that offers the local CA's certificate, and its download."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_page_without_a_local_ca_says_so(client, settings):
    settings.TLS_CA_CERT = ""
    response = client.get(reverse("tls:trust"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "not signed by a local CA" in response.content.decode()
    assert client.get(reverse("tls:ca")).status_code == 404


def test_page_and_download_with_a_local_ca(client, settings, tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    settings.TLS_CA_CERT = str(ca)
    page = client.get(reverse("tls:trust"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="{reverse("tls:ca")}"' in page.content.decode()
    assert "update-ca-certificates" in page.content.decode()
    download = client.get(reverse("tls:ca"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/x-x509-ca-cert"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == ca.read_bytes()


def test_page_in_korean(client, settings, tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text("x")
    settings.TLS_CA_CERT = str(ca)
    page = client.get(reverse("tls:trust"), HTTP_ACCEPT_LANGUAGE="ko")
    text = page.content.decode()
    assert "인증서 신뢰하기" in text and 'lang="ko"' in text
