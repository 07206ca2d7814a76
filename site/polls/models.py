"""The models of Django's official tutorial (part 2), with the part 7 admin display."""

import datetime

from django.contrib import admin
from django.db import models
from django.utils import timezone


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    # Indexed: the index page asks for the latest published questions
    # (WHERE pub_date <= now ORDER BY pub_date DESC LIMIT 5), which without an
    # index reads and sorts the whole table: its cost grew with every question.
    pub_date = models.DateTimeField("date published", db_index=True)

    def __str__(self):
        return self.question_text

    @admin.display(
        boolean=True,
        ordering="pub_date",
        description="Published recently?",
    )
    def was_published_recently(self):
        """True when published within the last day, and never for a future date."""
        now = timezone.now()
        return now - datetime.timedelta(days=1) <= self.pub_date <= now


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)

    def __str__(self):
        return self.choice_text
