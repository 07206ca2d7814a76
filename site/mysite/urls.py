"""URL configuration of the polls-and-services site."""

from django.contrib import admin
from django.urls import include, path

from mysite.views import HomeView
from services.views.dashboard import healthz

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("polls/", include("polls.urls")),
    path("books/", include("books.urls")),
    path("runtime/", include("runtime.urls")),
    path("services/", include("services.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("tls/", include("mysite.tls_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# 404.html is Django's default handler with the site's template; 500 also turns
# a database outage raised outside a view into a 503 (mysite/errors.py).
handler500 = "mysite.errors.server_error"
