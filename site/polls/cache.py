"""The cached data of the polls pages.

The question a detail or results page shows is read from the page cache's
"polls" generation (mysite.pagecache), so an anonymous detail page costs no
query: its choices are a {% cache %} fragment of polls/detail.html. A
question is cached whether or not it is published yet; whether it is
published is decided on every request, so a future question appears once its
time comes.

The results page reads a snapshot of the question and its vote counts from
Django's default cache (Redis when deployed, local memory otherwise) instead
of querying the database on every view.  The snapshot is deleted whenever a
vote is counted or a question or choice changes, so the next view of the page
rebuilds it from the database: a vote is visible right after it is counted.
"""

from django.core.cache import cache
from django.utils import timezone

from mysite import pagecache
from polls.models import Question

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


def question_key(question_id):
    return f"polls:question:{question_id}"


def published_question(question_id):
    """(the published question or None, the "polls" generation): one cache
    round trip when cached; a miss reads the question (not its choices)."""
    key = question_key(question_id)
    generation, question = pagecache.get_with_generation("polls", key)
    if question is None:
        question = Question.objects.filter(pk=question_id).first()
        if question is None:
            return None, generation
        pagecache.set_with_generation(key, generation, question)
    if question.pub_date > timezone.now():
        return None, generation
    return question, generation


def next_publication():
    """When the next question not yet published will be, or None: the cached
    index must not outlive it."""
    return (
        Question.objects.filter(pub_date__gt=timezone.now())
        .order_by("pub_date")
        .values_list("pub_date", flat=True)
        .first()
    )


def polls_changed():
    """Every cached polls page and fragment is stale (after the transaction commits)."""
    pagecache.bump_on_commit("polls")
