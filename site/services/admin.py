from django.contrib import admin

from services.models import Group, Org


class GroupInline(admin.TabularInline):
    model = Group
    fk_name = "org"
    extra = 0
    fields = ("label", "parent", "url")


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ("id", "label", "url", "modified")
    search_fields = ("label",)
    inlines = [GroupInline]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("id", "label", "org", "parent", "modified")
    list_filter = ("org",)
    search_fields = ("label",)
