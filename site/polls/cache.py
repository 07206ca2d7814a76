"""The cached data of a question's results page.

The results page reads a snapshot of the question and its vote counts from
Django's default cache (Redis when deployed, local memory otherwise) instead
of querying the database on every view.  The snapshot is deleted whenever a
vote is counted or a question or choice changes, so the next view of the page
rebuilds it from the database: a vote is visible right after it is counted.
"""

from django.core.cache import cache

# Bounds how long a snapshot can live even if an invalidation were ever missed.
RESULTS_TIMEOUT = 300


def results_key(question_id):
    return f"polls:results:{question_id}"


def get_results(question):
    """Return {"question_text": ..., "choices": [{"choice_text", "votes"}, ...]}."""
    key = results_key(question.pk)
    data = cache.get(key)
    if data is None:
        data = {
            "question_text": question.question_text,
            "choices": [
                {"id": choice.pk, "choice_text": choice.choice_text, "votes": choice.votes}
                for choice in question.choice_set.order_by("pk")
            ],
        }
        cache.set(key, data, RESULTS_TIMEOUT)
    return data


def invalidate_results(question_id):
    cache.delete(results_key(question_id))
