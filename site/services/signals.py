"""Every cached org chart page and org list is stale when an org or a group
changes through the ORM (the admin, the shell, the "mysql" store's writes);
the API's writes to either store bump it too (services.api.base)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from mysite import pagecache
from services.models import Group, Org


@receiver([post_save, post_delete], sender=Org)
@receiver([post_save, post_delete], sender=Group)
def org_chart_changed(sender, instance, **kwargs):
    pagecache.bump_on_commit("orgs")
