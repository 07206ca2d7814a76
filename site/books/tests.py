"""Tests of the books app, run by `python manage.py test books`."""

import datetime

from django.test import TestCase
from django.urls import reverse

from books.models import Author, Book, Publisher


class BooksPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.publisher = Publisher.objects.create(name="Hanbit", address="Seoul", website="https://hanbit.example/")
        cls.author = Author.objects.create(salutation="Mr.", name="Kim", email="kim@example.com")
        cls.book = Book.objects.create(
            title="Django", publisher=cls.publisher, publication_date=datetime.date(2024, 1, 2)
        )
        cls.book.authors.add(cls.author)

    def test_index_links_every_list(self):
        response = self.client.get(reverse("books:index"))
        self.assertEqual(response.status_code, 200)
        for name in ("books:book_list", "books:author_list", "books:publisher_list"):
            self.assertContains(response, reverse(name))

    def test_lists_and_details(self):
        self.assertContains(self.client.get(reverse("books:book_list")), "Django")
        self.assertContains(self.client.get(reverse("books:book_detail", args=(self.book.pk,))), "Kim")
        self.assertContains(self.client.get(reverse("books:author_detail", args=(self.author.pk,))), "Kim")
        self.assertContains(self.client.get(reverse("books:publisher_detail", args=(self.publisher.pk,))), "Hanbit")

    def test_unknown_book_is_404(self):
        self.assertEqual(self.client.get(reverse("books:book_detail", args=(999999,))).status_code, 404)
