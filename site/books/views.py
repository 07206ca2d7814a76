"""Class-based views of the book's chapter 5.1."""

from django.views.generic import DetailView, ListView, TemplateView

from books.models import Author, Book, Publisher


class BooksModelView(TemplateView):
    """The books application's index: a link to the list of each model."""

    template_name = "books/books_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["model_list"] = [
            {"name": "Book", "url_name": "books:book_list", "count": Book.objects.count()},
            {"name": "Author", "url_name": "books:author_list", "count": Author.objects.count()},
            {"name": "Publisher", "url_name": "books:publisher_list", "count": Publisher.objects.count()},
        ]
        return context


class BookList(ListView):
    model = Book


class AuthorList(ListView):
    model = Author


class PublisherList(ListView):
    model = Publisher


class BookDetail(DetailView):
    model = Book


class AuthorDetail(DetailView):
    model = Author


class PublisherDetail(DetailView):
    model = Publisher
