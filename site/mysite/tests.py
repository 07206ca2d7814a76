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


class ErrorPagesTests(TestCase):
    def test_404_page_in_the_site_look(self):
        response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, 'class="site-header"', status_code=404)
        self.assertContains(response, "Page not found", status_code=404)

    def test_404_page_in_korean(self):
        response = self.client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ko")
        self.assertContains(response, "페이지를 찾을 수 없습니다", status_code=404)
