"""Invalidate a question's cached results, and every cached polls page, when
a question or a choice changes (the admin, the shell, any ORM save or delete)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from polls.cache import invalidate_results, polls_changed
from polls.models import Choice, Question


@receiver([post_save, post_delete], sender=Choice)
def choice_changed(sender, instance, **kwargs):
    invalidate_results(instance.question_id)
    polls_changed()


@receiver([post_save, post_delete], sender=Question)
def question_changed(sender, instance, **kwargs):
    invalidate_results(instance.pk)
    polls_changed()
