"""Validation of what clients send (DRF serializers; errors are {"field": ["message"]})."""

from rest_framework import serializers

from services.urlrefs import url_reference_error


class UrlReferenceField(serializers.CharField):
    """Any URL reference the original sample accepted (absolute, scheme-less
    host/path, relative, "#"), up to max_length; refused: schemes other than
    http, https and mailto, control characters (services.urlrefs)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        error = url_reference_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class OrgSerializer(serializers.Serializer):
    """Org fields a client may write. id/created/modified in the body are ignored
    (the original sample's clients send the whole object back on PUT)."""

    label = serializers.CharField(max_length=40, trim_whitespace=True)
    desc = serializers.CharField(max_length=2000, allow_blank=True, required=False, trim_whitespace=False)
    url = UrlReferenceField()


class GroupSerializer(OrgSerializer):
    """Group fields; context: store, org_id and (for updates) group_id."""

    parent_id = serializers.CharField(max_length=64, allow_blank=True, allow_null=True, required=False)
    # What upload returned (the URL of services:image), or any URL reference.
    thumb_img_path = UrlReferenceField()
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
        if group_id and not store.can_be_parent(parent["id"], group_id):
            raise serializers.ValidationError("a group cannot be its own ancestor")
        return parent["id"]


class LoginSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
