"""Tests of the services app, run by `python manage.py test services` (the
"mysql" store on the test database; the full suite is tests/unit/services)."""

from django.contrib.auth import get_user_model
from django.test import TestCase


class OrgApiTests(TestCase):
    def setUp(self):
        staff = get_user_model().objects.create_user("chief", password="s3cret-pass!", is_staff=True)
        self.client.force_login(staff)

    def test_create_list_show_delete(self):
        response = self.client.post("/services/orgs/mysql", {"label": "Acme"}, content_type="application/json")
        self.assertEqual(response.status_code, 201)
        org_id = response.json()["org"]
        self.assertEqual([o["id"] for o in self.client.get("/services/orgs/mysql").json()["orgs"]], [org_id])
        self.assertEqual(self.client.get(f"/services/orgs/{org_id}/mysql").json()["org"]["label"], "Acme")
        self.assertEqual(self.client.delete(f"/services/orgs/{org_id}/mysql").status_code, 200)
        self.assertEqual(self.client.get(f"/services/orgs/{org_id}/mysql").status_code, 404)
