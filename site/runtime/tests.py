"""Tests of the runtime app, run by `python manage.py test runtime`."""

from django.test import TestCase
from django.urls import reverse


class RuntimeTests(TestCase):
    def test_json_outside_mod_wsgi(self):
        response = self.client.get(reverse("runtime:json"))
        self.assertEqual(response.status_code, 200)
        info = response.json()
        self.assertIn("mode", info)
        self.assertIn("pid", info)

    def test_page(self):
        response = self.client.get(reverse("runtime:page"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "mode")
