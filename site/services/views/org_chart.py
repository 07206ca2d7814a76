"""/services/main/<org_id>: an organisation's chart (cards and a tree), from
the store the request chooses (?store=mysql|mongo) -- the same store code the
REST API uses, so the page shows exactly what the API would answer.

Anonymous visitors get the page whole from the page cache, with a language
switcher token of their own (mysite.pagecache). A logged-in visitor's page
(their name, the staff's links) is never cached whole; for theirs and for a
miss, the org comes from the page cache and the chart (groups and tree) is a
{% cache %} fragment of the template keyed by the "orgs" generation, so its
groups are read only when that misses."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from mysite.pagecache import cache_anonymous_page, fragment_context
from services import stores, tree
from services.views.common import cached_org, lazy_groups, store_page


@cache_anonymous_page("orgs")
@store_page()
def org_chart_page(request, store_name, org_id):
    org, generation = cached_org(store_name, org_id)
    groups = lazy_groups(store_name, org)
    return render(
        request,
        "services/org_chart.html",
        {
            "svc_tab": "chart",
            "org": org,
            "groups": groups,
            "tree": SimpleLazyObject(lambda: tree.build_tree(groups)),
            "store": store_name,
            "stores": stores.KEYS,
            "api_url": reverse("services:api-org-chart", args=[org["id"], store_name]),
            **fragment_context(generation),
        },
    )
