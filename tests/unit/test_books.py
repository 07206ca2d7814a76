"""The books application (the book's chapter 5.1)."""

import datetime

import pytest
from django.urls import reverse

from books.models import Author, Book, Publisher

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    publisher = Publisher.objects.create(name="Hanbit", address="Seoul, Mapo-gu", website="https://www.hanbit.co.kr/")
    kim = Author.objects.create(salutation="Mr.", name="Kim Seokhun", email="kim@example.com")
    lee = Author.objects.create(salutation="Ms.", name="Lee Jiwon", email="lee@example.com")
    book = Book.objects.create(
        title="Django Web Programming",
        publisher=publisher,
        publication_date=datetime.date(2018, 5, 1),
    )
    book.authors.set([kim, lee])
    return {"publisher": publisher, "authors": [kim, lee], "book": book}


def test_str_methods(library):
    assert str(library["book"]) == "Django Web Programming"
    assert str(library["authors"][0]) == "Kim Seokhun"
    assert str(library["publisher"]) == "Hanbit"


def test_url_names():
    assert reverse("books:index") == "/books/"
    assert reverse("books:book_list") == "/books/book/"
    assert reverse("books:author_list") == "/books/author/"
    assert reverse("books:publisher_list") == "/books/publisher/"
    assert reverse("books:book_detail", args=(3,)) == "/books/book/3/"
    assert reverse("books:author_detail", args=(4,)) == "/books/author/4/"
    assert reverse("books:publisher_detail", args=(5,)) == "/books/publisher/5/"


def test_index_links_the_three_lists(client, library):
    html = client.get(reverse("books:index")).content.decode()
    for name in ("book_list", "author_list", "publisher_list"):
        assert f'href="{reverse("books:" + name)}"' in html
    assert 'class="site-nav"' in html  # extends base.html


@pytest.mark.parametrize(
    "url_name, text",
    [
        ("books:book_list", "Django Web Programming"),
        ("books:author_list", "Lee Jiwon"),
        ("books:publisher_list", "Hanbit"),
    ],
)
def test_lists(client, library, url_name, text):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert text in response.content.decode()
    assert len(response.context["object_list"]) >= 1


def test_empty_lists(client):
    html = client.get(reverse("books:book_list")).content.decode()
    assert "No books yet." in html


def test_book_detail(client, library):
    book = library["book"]
    html = client.get(reverse("books:book_detail", args=(book.pk,))).content.decode()
    assert "Django Web Programming" in html
    assert "Kim Seokhun" in html and "Lee Jiwon" in html
    assert reverse("books:publisher_detail", args=(library["publisher"].pk,)) in html
    assert "May 1, 2018" in html


def test_author_detail(client, library):
    author = library["authors"][1]
    html = client.get(reverse("books:author_detail", args=(author.pk,))).content.decode()
    assert "lee@example.com" in html
    assert reverse("books:book_detail", args=(library["book"].pk,)) in html


def test_publisher_detail(client, library):
    publisher = library["publisher"]
    html = client.get(reverse("books:publisher_detail", args=(publisher.pk,))).content.decode()
    assert "Seoul, Mapo-gu" in html and "https://www.hanbit.co.kr/" in html


@pytest.mark.parametrize("url_name", ["books:book_detail", "books:author_detail", "books:publisher_detail"])
def test_detail_missing_is_404(client, url_name):
    assert client.get(reverse(url_name, args=(12345,))).status_code == 404


@pytest.mark.parametrize("model", ["book", "author", "publisher"])
def test_registered_in_admin(admin_client, library, model):
    response = admin_client.get(reverse(f"admin:books_{model}_changelist"))
    assert response.status_code == 200
