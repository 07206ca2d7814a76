from django.contrib import admin

from books.models import Author, Book, Publisher


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "publication_date"]
    list_filter = ["publication_date"]
    search_fields = ["title"]
    filter_horizontal = ["authors"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "salutation", "email"]
    search_fields = ["name", "email"]


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "website"]
    search_fields = ["name"]
