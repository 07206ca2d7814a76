"""Validation of what clients send (DRF serializers; errors are {"field": ["message"]})."""
import re

from rest_framework import serializers

IMAGE_PATH = re.compile(r"^/services/images/[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class OrgSerializer(serializers.Serializer):
    """Org fields a client may write. id/created/modified in the body are ignored
    (the original sample's clients send the whole object back on PUT)."""

    label = serializers.CharField(max_length=40, trim_whitespace=True)
    desc = serializers.CharField(max_length=2000, allow_blank=True, required=False, trim_whitespace=False)
    url = serializers.URLField(max_length=500, allow_blank=True, required=False)


class GroupSerializer(OrgSerializer):
    """Group fields; context: store, org_id and (for updates) group_id."""

    parent_id = serializers.CharField(max_length=64, allow_blank=True, allow_null=True, required=False)
    thumb_img_path = serializers.CharField(max_length=500, allow_blank=True, required=False)
    thumb_img_name = serializers.CharField(max_length=255, allow_blank=True, required=False)

    def validate_parent_id(self, value):
        if not value:
            return ""
        store = self.context["store"]
        parent = store.find_group(value)
        if parent is None:
            raise serializers.ValidationError("unknown parent group")
        if parent["org_id"] != self.context["org_id"]:
            raise serializers.ValidationError("the parent group belongs to another organisation")
        group_id = self.context.get("group_id")
        if group_id and (parent["id"] == group_id or group_id in store.ancestor_ids(parent["id"])):
            raise serializers.ValidationError("a group cannot be its own ancestor")
        return parent["id"]

    def validate_thumb_img_path(self, value):
        # Only images this site serves (what upload returns), or an http(s) URL.
        if not value:
            return ""
        if IMAGE_PATH.match(value):
            return value
        try:
            return serializers.URLField().run_validation(value)
        except serializers.ValidationError:
            raise serializers.ValidationError(
                "must be a path returned by upload (/services/images/...) or an http(s) URL"
            ) from None


class LoginSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
