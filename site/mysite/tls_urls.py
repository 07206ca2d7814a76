"""URLs of the local CA's page (included under /tls/ as the `tls` namespace)."""

from django.urls import path

from mysite import tls

app_name = "tls"
urlpatterns = [
    path("", tls.trust_page, name="trust"),
    path("ca.crt", tls.ca_download, name="ca"),
]
