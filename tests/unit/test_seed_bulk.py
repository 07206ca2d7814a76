"""The seed_bulk management command (small numbers, SQLite)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from polls.models import Choice, Question
from services.models import Group, Org

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("seed_bulk", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_seeds_questions_choices_and_a_tree_of_groups():
    result = run("--questions", "23", "--choices", "3", "--groups", "31", "--fanout", "3", "--batch", "7")
    assert Question.objects.count() == 23
    assert Choice.objects.count() == 69
    assert all(q.choice_set.count() == 3 for q in Question.objects.all())
    org = Org.objects.get(pk=result["org"])
    groups = list(Group.objects.filter(org=org))
    assert len(groups) == 31
    by_id = {g.pk: g for g in groups}
    roots = [g for g in groups if g.parent_id is None]
    assert len(roots) == 3
    # Every parent is a group of the same org, with at most `fanout` children.
    for g in groups:
        assert g.parent_id is None or g.parent_id in by_id
        assert sum(1 for k in groups if k.parent_id == g.pk) <= 3


def test_remove_deletes_only_seeded_rows():
    own = Question.objects.create(question_text="mine", pub_date="2020-01-01T00:00Z")
    Choice.objects.create(question=own, choice_text="yes")
    own_org = Org.objects.create(label="mine")
    Group.objects.create(org=own_org, label="team")
    run("--questions", "10", "--groups", "12")
    removed = run("--remove")
    assert removed == {"questions": 10, "choices": 50, "orgs": 1, "groups": 12}
    assert list(Question.objects.values_list("question_text", flat=True)) == ["mine"]
    assert Choice.objects.count() == 1
    assert list(Org.objects.values_list("label", flat=True)) == ["mine"]
    assert Group.objects.count() == 1


def test_fixture_is_idempotent_and_published():
    first = run("--fixture")
    second = run("--fixture")
    assert first == second
    question = Question.objects.get(pk=first["question"])
    assert question.choice_set.count() == 5
    assert question.pub_date <= timezone.now()  # published: the index and detail pages show it
    assert Group.objects.filter(org_id=first["org"]).count() == 20


def test_bad_numbers_are_refused():
    with pytest.raises(CommandError):
        run("--batch", "0")
    with pytest.raises((CommandError, SystemExit)):
        run("--questions", "-5")
