"""Seed the database in bulk, to see what pages cost as data grows.

    manage.py seed_bulk                      # 100 000 questions, 500 000 choices, an org of 2 000 groups
    manage.py seed_bulk --questions 1000 --groups 50
    manage.py seed_bulk --remove             # delete everything seed_bulk added
    manage.py seed_bulk --fixture            # the small data set the benchmark reads (idempotent)

Seeded rows are marked (question texts and the org's label start with
"[seed] "), so --remove deletes exactly them and nothing else. Rows are written
with bulk_create in batches, each batch in one transaction. The last line
printed is JSON with the ids the benchmark needs.
"""

import datetime
import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from mysite import pagecache
from polls.models import Choice, Question
from services.models import Group, Org

MARK = "[seed] "
FIXTURE_QUESTION = "Which server runs Django fastest?"
FIXTURE_CHOICES = ("mod_wsgi daemon mode", "mod_wsgi embedded mode", "gunicorn", "uWSGI", "runserver")
FIXTURE_ORG = "Benchmark org"
FIXTURE_GROUPS = 20


def _positive(value):
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Seed many questions, choices and org chart groups (marked, removable with --remove)."

    def add_arguments(self, parser):
        parser.add_argument("--questions", type=_positive, default=100_000, help="questions to add (default 100000)")
        parser.add_argument("--choices", type=_positive, default=5, help="choices per question (default 5)")
        parser.add_argument("--groups", type=_positive, default=2_000, help="groups of the seeded org (default 2000)")
        parser.add_argument(
            "--fanout", type=_positive, default=5, help="children per group in the org's tree (default 5)"
        )
        parser.add_argument("--batch", type=_positive, default=5_000, help="rows per INSERT (default 5000)")
        parser.add_argument("--remove", action="store_true", help="delete every seeded row instead")
        parser.add_argument(
            "--fixture",
            action="store_true",
            help="make sure the benchmark's small question and org exist; print their ids",
        )

    def handle(self, *args, **options):
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if options["fanout"] < 1:
            raise CommandError("--fanout must be at least 1")
        if options["fixture"]:
            return self.emit(self.fixture())
        if options["remove"]:
            return self.emit(self.remove())
        started = time.monotonic()
        questions = self.seed_questions(options["questions"], options["choices"], options["batch"])
        org_id = self.seed_org(options["groups"], options["fanout"], options["batch"]) if options["groups"] else None
        elapsed = time.monotonic() - started
        self.stderr.write(
            f"seeded {questions} questions, {questions * options['choices']} choices and "
            f"{options['groups']} groups in {elapsed:.1f} s"
        )
        return self.emit({"questions": questions, "org": org_id, "seconds": round(elapsed, 1)})

    def emit(self, data):
        # bulk_create and raw DELETEs send no signals: the cached pages of
        # both groups are forgotten here.
        for group in pagecache.GROUPS:
            pagecache.bump_on_commit(group)
        self.stdout.write(json.dumps(data))

    # -- the benchmark's small data set ----------------------------------------
    def fixture(self):
        with transaction.atomic():
            question = Question.objects.filter(question_text=FIXTURE_QUESTION).order_by("id").first()
            if question is None:
                question = Question.objects.create(
                    question_text=FIXTURE_QUESTION, pub_date=timezone.now() - datetime.timedelta(days=1)
                )
                Choice.objects.bulk_create(Choice(question=question, choice_text=text) for text in FIXTURE_CHOICES)
            org = Org.objects.filter(label=FIXTURE_ORG).order_by("id").first()
            if org is None:
                org = Org.objects.create(label=FIXTURE_ORG, desc="The org chart the benchmark reads.")
                self.make_tree(org, FIXTURE_GROUPS, fanout=4, batch=1000, prefix="Team")
        return {"question": question.pk, "org": org.pk}

    # -- bulk ------------------------------------------------------------------
    def seed_questions(self, count, choices, batch):
        now = timezone.now()
        done = 0
        while done < count:
            size = min(batch, count - done)
            with transaction.atomic():
                objs = [
                    Question(
                        question_text=f"{MARK}question {done + i + 1}",
                        # Spread over the past year, a minute apart, all published.
                        pub_date=now - datetime.timedelta(minutes=done + i + 1),
                    )
                    for i in range(size)
                ]
                created = Question.objects.bulk_create(objs)
                ids = [q.pk for q in created]
                if any(pk is None for pk in ids):  # databases that cannot return the ids
                    ids = list(
                        Question.objects.filter(question_text__startswith=MARK)
                        .order_by("-id")
                        .values_list("id", flat=True)[:size]
                    )
                Choice.objects.bulk_create(
                    (
                        Choice(question_id=qid, choice_text=f"choice {n + 1}", votes=(qid * 7 + n) % 50)
                        for qid in ids
                        for n in range(choices)
                    ),
                    batch_size=batch,
                )
            done += size
        return done

    def seed_org(self, groups, fanout, batch):
        with transaction.atomic():
            org = Org.objects.create(label=f"{MARK}org", desc=f"{groups} seeded groups")
            self.make_tree(org, groups, fanout, batch, prefix="group")
        return org.pk

    def make_tree(self, org, count, fanout, batch, prefix):
        """count groups in a tree, fanout children each, written level by level
        (a level's parents have their ids before their children are written)."""
        level = [None]
        made = 0
        while made < count:
            objs = []
            for parent in level:
                for _ in range(fanout if parent is not None else min(fanout, count)):
                    if made + len(objs) >= count:
                        break
                    n = made + len(objs) + 1
                    objs.append(
                        Group(org=org, parent_id=parent, label=f"{prefix} {n}"[:40], desc=f"{prefix} number {n}")
                    )
            created = Group.objects.bulk_create(objs, batch_size=batch)
            if any(g.pk is None for g in created):
                created = list(Group.objects.filter(org=org).order_by("-id")[: len(objs)])[::-1]
            made += len(created)
            level = [g.pk for g in created]
        Org.objects.filter(pk=org.pk).update(chart_rev=org.chart_rev + 1)

    def remove(self):
        q, c, g, o = (m._meta.db_table for m in (Question, Choice, Group, Org))
        like = MARK + "%"  # MARK has no % or _ in it
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {c} WHERE question_id IN (SELECT id FROM {q} WHERE question_text LIKE %s)", [like]
            )
            choices = cursor.rowcount
            cursor.execute(f"DELETE FROM {q} WHERE question_text LIKE %s", [like])
            questions = cursor.rowcount
            org_ids = list(Org.objects.filter(label__startswith=MARK).values_list("id", flat=True))
            groups = 0
            for org_id in org_ids:
                # Children reference parents: unlink them first, then one DELETE.
                cursor.execute(f"UPDATE {g} SET parent_id = NULL WHERE org_id = %s", [org_id])
                cursor.execute(f"DELETE FROM {g} WHERE org_id = %s", [org_id])
                groups += cursor.rowcount
                cursor.execute(f"DELETE FROM {o} WHERE id = %s", [org_id])
        self.stderr.write(f"removed {questions} questions, {choices} choices, {len(org_ids)} orgs, {groups} groups")
        return {"questions": questions, "choices": choices, "orgs": len(org_ids), "groups": groups}
