"""The views of Django's official tutorial (parts 3-5), generic views of part 4.

Additions: votes are counted with an F() expression (N concurrent votes count
N), a choice of another question is rejected, every vote is logged to the
`polls` logger, and the pages are served whole from the cache to anonymous
visitors (the detail page with a vote form token of each visitor's own), the
detail page's question and choices also on a miss -- mysite.pagecache,
polls.cache.
"""

import logging

from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from mysite.pagecache import cache_anonymous_page, cache_until, current_generation, fragment_context
from polls.cache import get_results, invalidate_results, next_publication, polls_changed, published_question
from polls.models import Choice, Question

logger = logging.getLogger(__name__)


def published_questions():
    """Questions whose publication date has come (future ones stay hidden)."""
    return Question.objects.filter(pub_date__lte=timezone.now())


@method_decorator(cache_anonymous_page("polls"), name="dispatch")
class IndexView(generic.ListView):
    template_name = "polls/index.html"
    context_object_name = "latest_question_list"

    def get_queryset(self):
        """Return the last five published questions (not including future ones)."""
        return published_questions().order_by("-pub_date")[:5]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # A cached index must not outlive the next question's publication:
        # nothing signals when a pub_date comes.
        coming = next_publication()
        return cache_until(response, coming) if coming else response


@method_decorator(cache_anonymous_page("polls"), name="dispatch")
class DetailView(generic.DetailView):
    model = Question
    template_name = "polls/detail.html"

    def get_queryset(self):
        """Excludes any questions that aren't published yet."""
        return published_questions()

    def get_object(self, queryset=None):
        """The published question, from the cache when it is there (polls.cache)."""
        question, self.cache_generation = published_question(self.kwargs["pk"])
        if question is None:
            raise Http404("No question found matching the query")
        return question

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, **fragment_context(self.cache_generation))


class ResultsView(DetailView):  # cached whole as DetailView is
    template_name = "polls/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["results"] = get_results(self.object)
        return context


@require_POST
def vote(request, question_id):
    question = get_object_or_404(published_questions(), pk=question_id)
    choice_id = request.POST.get("choice", "")
    if not choice_id:
        logger.info("vote without a choice: question=%s", question.pk)
        return _redisplay(request, question, _("You didn't select a choice."))
    try:
        choice = question.choice_set.get(pk=int(choice_id))
    except (ValueError, Choice.DoesNotExist):
        logger.warning("vote rejected: choice=%r is not a choice of question=%s", choice_id, question.pk)
        return _redisplay(request, question, _("That choice is not one of this question's choices."), status=400)

    # UPDATE ... SET votes = votes + 1: the database adds, so concurrent votes
    # cannot overwrite each other the way read-modify-write in Python would.
    Choice.objects.filter(pk=choice.pk).update(votes=F("votes") + 1)
    # update() sends no signal: the results snapshot and the cached pages are
    # invalidated here.
    invalidate_results(question.pk)
    polls_changed()
    logger.info(
        "vote counted: question=%s choice=%s (%s) from %s",
        question.pk,
        choice.pk,
        choice.choice_text,
        request.META.get("REMOTE_ADDR", "-"),
    )
    # Always redirect after a successful POST, so the Back button cannot post twice.
    return HttpResponseRedirect(reverse("polls:results", args=(question.pk,)))


def _redisplay(request, question, message, status=200):
    return render(
        request,
        "polls/detail.html",
        {"question": question, "error_message": message, **fragment_context(current_generation("polls"))},
        status=status,
    )
