"""The local CA's certificate, for students to download and trust.

On a deployment whose certificate is signed by the CA the playbook made
(see ansible/roles/httpd), DJANGO_TLS_CA_CERT names that CA's certificate.
The page says how to trust it, in English or Korean; the text is a template
per language (templates/tls/), the browser's language picks it.
"""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import get_language

TEMPLATES = {"ko": "tls/trust_ko.html"}
DEFAULT_TEMPLATE = "tls/trust_en.html"
DOWNLOAD_NAME = "polls-local-ca.crt"


def ca_certificate():
    """Path of the CA certificate, or None when this deployment has none."""
    path = settings.TLS_CA_CERT
    if path and Path(path).is_file():
        return Path(path)
    return None


def trust_page(request):
    language = (get_language() or "en").split("-")[0]
    template = TEMPLATES.get(language, DEFAULT_TEMPLATE)
    return render(request, template, {"has_ca": ca_certificate() is not None, "download_name": DOWNLOAD_NAME})


def ca_download(request):
    path = ca_certificate()
    if path is None:
        raise Http404("This site's certificate is not signed by a local CA.")
    # application/x-x509-ca-cert: browsers and phones offer to install it.
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=DOWNLOAD_NAME, content_type="application/x-x509-ca-cert"
    )
