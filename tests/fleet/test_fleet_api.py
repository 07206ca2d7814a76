"""The org chart REST flow of tests/services/test_api_flow.py on both stores
(mysql on db, mongo on services), through the load balancer: consecutive
requests land on different web servers, which share the stores, the cache,
the change-notice queue and the uploads."""

import pytest

from test_api_flow import (  # noqa: F401 - fixtures and tests run here against the lab
    anon,
    staff,
    test_full_flow_with_change_notices_in_order,
    test_upload_and_fetch_back_then_use_on_a_group,
)

pytestmark = pytest.mark.fleet
