"""{% load services_links %} ... {{ value|safe_href }}: the href a page may use
for a stored URL, or "" (then show the URL as text). See services.urlrefs."""

from django import template

from services.urlrefs import link_href

register = template.Library()


@register.filter
def safe_href(value):
    return link_href(value if isinstance(value, str) else "")
