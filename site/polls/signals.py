"""Invalidate a question's cached results when it or one of its choices changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from polls.cache import invalidate_results
from polls.models import Choice, Question


@receiver([post_save, post_delete], sender=Choice)
def choice_changed(sender, instance, **kwargs):
    invalidate_results(instance.question_id)


@receiver([post_save, post_delete], sender=Question)
def question_changed(sender, instance, **kwargs):
    invalidate_results(instance.pk)
