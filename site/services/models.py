"""The SQL ("mysql") store of the org chart: organisations and their groups."""

from django.db import models

from services.urlrefs import validate_url_reference


def url_reference_field():
    """Any URL reference the original sample stored (see services.urlrefs), not
    only absolute URLs: "host/path", "/path", "#"."""
    return models.CharField(max_length=500, blank=True, default="", validators=[validate_url_reference])


class Org(models.Model):
    label = models.CharField(max_length=40)
    desc = models.TextField(blank=True, default="")
    url = url_reference_field()
    # Bumped in the same transaction as every change to the org or its groups;
    # part of the org chart's cache key, so a cached chart can never be stale
    # (even when an invalidation was lost during a Redis outage).
    chart_rev = models.PositiveBigIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "organisation"

    def __str__(self):
        return self.label


class Group(models.Model):
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="groups")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    label = models.CharField(max_length=40)
    desc = models.TextField(blank=True, default="")
    url = url_reference_field()
    thumb_img_path = url_reference_field()
    thumb_img_name = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.label
