"""/services/main/<org_id>: an organisation's chart (cards and a tree), from
the store the request chooses (?store=mysql|mongo) -- the same store code the
REST API uses, so the page shows exactly what the API would answer."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from services import stores, tree
from services.views.common import get_org, list_groups, store_page


@never_cache
@store_page()
def org_chart_page(request, store_name, org_id):
    org = get_org(store_name, org_id)
    groups = list_groups(store_name, org)
    return render(
        request,
        "services/org_chart.html",
        {
            "svc_tab": "chart",
            "org": org,
            "groups": groups,
            "tree": tree.build_tree(groups),
            "store": store_name,
            "stores": stores.KEYS,
            "api_url": reverse("services:api-org-chart", args=[org["id"], store_name]),
        },
    )
