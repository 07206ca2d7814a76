"""Tests of the project package (home page, error pages), run by `python manage.py test mysite`."""
from django.test import TestCase
from django.urls import reverse


class HomePageTests(TestCase):
    def test_home_lists_the_apps(self):
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 200)
        for name in ("polls:index", "books:index", "runtime:page"):
            self.assertContains(response, reverse(name))

    def test_static_names_are_plain_without_a_deployment(self):
        # Nothing collected, nothing set: the stylesheet link must still render.
        self.assertContains(self.client.get(reverse("home")), 'href="/static/css/site.css"')
