"""The admin of the tutorial's part 7, and the site's branding."""

from django.contrib import admin

from polls.models import Choice, Question

admin.site.site_header = "Polls-and-services administration"
admin.site.site_title = "Polls-and-services admin"
admin.site.index_title = "Site administration"


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 3


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["question_text"]}),
        ("Date information", {"fields": ["pub_date"], "classes": ["collapse"]}),
    ]
    inlines = [ChoiceInline]
    list_display = ["question_text", "pub_date", "was_published_recently"]
    list_filter = ["pub_date"]
    search_fields = ["question_text"]
