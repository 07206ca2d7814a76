"""Django's tutorial part 5 tests, plus voting, caching, logging and the admin."""

import datetime
import logging

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from polls.cache import results_key
from polls.models import Choice, Question

pytestmark = pytest.mark.django_db


def create_question(question_text, days):
    """Create a question published `days` offset to now (negative: in the past)."""
    time = timezone.now() + datetime.timedelta(days=days)
    return Question.objects.create(question_text=question_text, pub_date=time)


def question_with_choices(text="What's up?", days=-1, choices=("Not much", "The sky")):
    question = create_question(text, days)
    return question, [question.choice_set.create(choice_text=c) for c in choices]


# --- QuestionModelTests (tutorial part 5) -----------------------------------


def test_was_published_recently_with_future_question():
    future_question = Question(pub_date=timezone.now() + datetime.timedelta(days=30))
    assert future_question.was_published_recently() is False


def test_was_published_recently_with_old_question():
    time = timezone.now() - datetime.timedelta(days=1, seconds=1)
    old_question = Question(pub_date=time)
    assert old_question.was_published_recently() is False


def test_was_published_recently_with_recent_question():
    time = timezone.now() - datetime.timedelta(hours=23, minutes=59, seconds=59)
    recent_question = Question(pub_date=time)
    assert recent_question.was_published_recently() is True


def test_str_methods():
    question, (choice, _) = question_with_choices("Best editor?", choices=("vim", "emacs"))
    assert str(question) == "Best editor?"
    assert str(choice) == "vim"


# --- QuestionIndexViewTests --------------------------------------------------


def test_index_no_questions(client):
    response = client.get(reverse("polls:index"))
    assert response.status_code == 200
    assert "No polls are available." in response.content.decode()
    assert list(response.context["latest_question_list"]) == []


def test_index_past_question(client):
    question = create_question("Past question.", days=-30)
    response = client.get(reverse("polls:index"))
    assert list(response.context["latest_question_list"]) == [question]
    assert "Past question." in response.content.decode()


def test_index_future_question(client):
    create_question("Future question.", days=30)
    response = client.get(reverse("polls:index"))
    assert "No polls are available." in response.content.decode()
    assert "Future question." not in response.content.decode()
    assert list(response.context["latest_question_list"]) == []


def test_index_future_question_and_past_question(client):
    question = create_question("Past question.", days=-30)
    create_question("Future question.", days=30)
    response = client.get(reverse("polls:index"))
    assert list(response.context["latest_question_list"]) == [question]


def test_index_two_past_questions(client):
    question1 = create_question("Past question 1.", days=-30)
    question2 = create_question("Past question 2.", days=-5)
    response = client.get(reverse("polls:index"))
    assert list(response.context["latest_question_list"]) == [question2, question1]


def test_index_shows_only_the_five_newest(client):
    questions = [create_question(f"Q{i}", days=-i - 1) for i in range(7)]
    response = client.get(reverse("polls:index"))
    assert list(response.context["latest_question_list"]) == questions[:5]


def test_index_uses_base_layout_and_tutorial_style(client):
    html = client.get(reverse("polls:index")).content.decode()
    assert 'class="site-nav"' in html
    assert "polls/style.css" in html


# --- QuestionDetailViewTests -------------------------------------------------


def test_detail_future_question_is_404(client):
    future_question = create_question("Future question.", days=5)
    response = client.get(reverse("polls:detail", args=(future_question.id,)))
    assert response.status_code == 404


def test_detail_past_question_shows_text(client):
    past_question, _ = question_with_choices("Past Question.", days=-5)
    response = client.get(reverse("polls:detail", args=(past_question.id,)))
    assert response.status_code == 200
    html = response.content.decode()
    assert past_question.question_text in html
    assert "Not much" in html and 'name="choice"' in html


def test_results_future_question_is_404(client):
    future_question = create_question("Future question.", days=5)
    response = client.get(reverse("polls:results", args=(future_question.id,)))
    assert response.status_code == 404


def test_results_shows_votes(client):
    question, (a, b) = question_with_choices()
    Choice.objects.filter(pk=a.pk).update(votes=2)
    Choice.objects.filter(pk=b.pk).update(votes=1)
    html = client.get(reverse("polls:results", args=(question.id,))).content.decode()
    assert "Not much -- 2 votes" in html
    assert "The sky -- 1 vote<" in html


# --- Voting -----------------------------------------------------------------


def votes(*choices):
    return [Choice.objects.get(pk=c.pk).votes for c in choices]


def test_vote_without_choice_redisplays_form(client):
    question, choices = question_with_choices()
    response = client.post(reverse("polls:vote", args=(question.id,)), {})
    assert response.status_code == 200
    assert "You didn&#x27;t select a choice." in response.content.decode()
    assert response.context["question"] == question
    assert votes(*choices) == [0, 0]


def test_valid_vote_increments_and_redirects(client):
    question, (a, b) = question_with_choices()
    response = client.post(reverse("polls:vote", args=(question.id,)), {"choice": b.id})
    assert response.status_code == 302
    assert response["Location"] == reverse("polls:results", args=(question.id,))
    assert votes(a, b) == [0, 1]
    client.post(reverse("polls:vote", args=(question.id,)), {"choice": b.id})
    assert votes(a, b) == [0, 2]


def test_choice_of_another_question_is_rejected(client):
    question, choices = question_with_choices()
    other, (foreign,) = question_with_choices("Other?", choices=("Elsewhere",))
    response = client.post(reverse("polls:vote", args=(question.id,)), {"choice": foreign.id})
    assert response.status_code == 400
    html = response.content.decode()
    assert "not one of this question" in html
    assert "Traceback" not in html
    assert 'name="choice"' in html  # the form is shown again
    assert votes(*choices, foreign) == [0, 0, 0]


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1.5"])
def test_bogus_choice_is_rejected(client, value):
    question, choices = question_with_choices()
    response = client.post(reverse("polls:vote", args=(question.id,)), {"choice": value})
    assert response.status_code == 400
    assert votes(*choices) == [0, 0]


def test_vote_on_future_question_is_404(client):
    question, (a, _) = question_with_choices(days=3)
    response = client.post(reverse("polls:vote", args=(question.id,)), {"choice": a.id})
    assert response.status_code == 404
    assert votes(a) == [0]


def test_vote_needs_post(client):
    question, _ = question_with_choices()
    assert client.get(reverse("polls:vote", args=(question.id,))).status_code == 405


def test_vote_is_an_f_expression_update(client):
    """The database adds 1 itself (UPDATE ... votes = votes + 1): race-free."""
    question, (a, _) = question_with_choices()
    # A stale copy in memory must not matter: the count is never read-modified-written.
    stale = Choice.objects.get(pk=a.pk)
    Choice.objects.filter(pk=a.pk).update(votes=41)
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("polls:vote", args=(question.id,)), {"choice": a.id})
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"votes" = ("polls_choice"."votes" + 1)' in updates[0]
    assert stale.votes == 0
    assert votes(a) == [42]


CONCURRENT_VOTES = r"""
import sys, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone
from polls.models import Question

call_command("migrate", verbosity=0, skip_checks=True)
question = Question.objects.create(question_text="Race?", pub_date=timezone.now())
choice = question.choice_set.create(choice_text="Me")
n = int(sys.argv[1])
barrier = threading.Barrier(n)
statuses = []

def voter():
    try:
        barrier.wait()
        statuses.append(Client().post(f"/polls/{question.pk}/vote/", {"choice": choice.pk}).status_code)
    finally:
        connections.close_all()

threads = [threading.Thread(target=voter) for _ in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
choice.refresh_from_db()
print(sorted(set(statuses)), len(statuses), choice.votes)
"""


def test_concurrent_votes_all_count(tmp_path):
    """N votes from N threads at once count exactly N.

    Runs in its own process on a file database: the unit tests' in-memory
    SQLite fails concurrent writers at once instead of making them wait.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    n = 16
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "site"),
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_LOG_DIR": str(tmp_path / "logs"),
        "DJANGO_DEBUG": "true",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_VOTES, str(n)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == f"[302] {n} {n}"


def test_vote_is_logged_to_polls_logger(client, caplog):
    question, (a, _) = question_with_choices()
    with caplog.at_level(logging.INFO, logger="polls"):
        client.post(reverse("polls:vote", args=(question.id,)), {"choice": a.id})
    records = [r for r in caplog.records if r.name == "polls.views"]
    assert len(records) == 1
    assert f"question={question.id} choice={a.id}" in records[0].getMessage()


# --- The cached results page -------------------------------------------------


def test_results_are_cached(client, django_assert_num_queries):
    question, (a, _) = question_with_choices()
    url = reverse("polls:results", args=(question.id,))
    client.get(url)
    assert cache.get(results_key(question.id)) is not None
    # The whole page is cached for anonymous visitors (mysite.pagecache).
    with django_assert_num_queries(0):
        html = client.get(url).content.decode()
    assert "Not much -- 0 votes" in html


def test_vote_is_visible_on_results_right_after_voting(client):
    question, (a, b) = question_with_choices()
    url = reverse("polls:results", args=(question.id,))
    assert "Not much -- 0 votes" in client.get(url).content.decode()  # now cached
    response = client.post(reverse("polls:vote", args=(question.id,)), {"choice": a.id}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Not much -- 1 vote<" in response.content.decode()


def test_choice_change_invalidates_results(client):
    question, (a, _) = question_with_choices()
    url = reverse("polls:results", args=(question.id,))
    client.get(url)
    a.choice_text = "Quite a lot"
    a.save()
    assert cache.get(results_key(question.id)) is None
    assert "Quite a lot -- 0 votes" in client.get(url).content.decode()
    question.choice_set.create(choice_text="New one")
    assert "New one -- 0 votes" in client.get(url).content.decode()


# --- Admin (tutorial part 7) -------------------------------------------------


def test_admin_changelist_and_search(admin_client):
    create_question("Recent question", days=-0.5)
    create_question("Ancient question", days=-400)
    url = reverse("admin:polls_question_changelist")
    html = admin_client.get(url).content.decode()
    assert "Recent question" in html and "Ancient question" in html
    assert "Published recently?" in html
    assert "Polls-and-services administration" in html
    html = admin_client.get(url, {"q": "Ancient"}).content.decode()
    assert "Ancient question" in html and "Recent question" not in html


def test_admin_add_question_with_inline_choices(admin_client):
    url = reverse("admin:polls_question_add")
    form = admin_client.get(url).content.decode()
    assert form.count('name="choice_set-') > 0
    assert 'name="choice_set-2-choice_text"' in form  # extra=3
    data = {
        "question_text": "Favourite MPM?",
        "pub_date_0": "2024-01-02",
        "pub_date_1": "10:00:00",
        "choice_set-TOTAL_FORMS": "3",
        "choice_set-INITIAL_FORMS": "0",
        "choice_set-MIN_NUM_FORMS": "0",
        "choice_set-MAX_NUM_FORMS": "1000",
        "choice_set-0-choice_text": "event",
        "choice_set-0-votes": "0",
        "choice_set-1-choice_text": "prefork",
        "choice_set-1-votes": "0",
        "choice_set-2-choice_text": "",
        "choice_set-2-votes": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(question_text="Favourite MPM?")
    assert sorted(question.choice_set.values_list("choice_text", flat=True)) == ["event", "prefork"]


def test_admin_requires_staff(client):
    response = client.get(reverse("admin:polls_question_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
