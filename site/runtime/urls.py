from django.urls import path

from runtime import views

app_name = "runtime"
urlpatterns = [
    path("", views.RuntimePage.as_view(), name="page"),
    path("json", views.runtime_json, name="json"),
]
