"""URLs under /services/: the REST API (api_urls) and the pages (page_urls)."""
from django.urls import include, path

app_name = "services"

urlpatterns = [
    path("", include("services.page_urls")),
    path("", include("services.api_urls")),
]
