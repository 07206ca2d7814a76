"""Error answers in the site's look (404, 500) and a main-database outage as
503 + Retry-After, simulated with the OperationalError the database backend
raises when it cannot connect (a connection to an SQLite file in a directory
that does not exist), then recovery with the real connection back."""

import contextlib
import datetime
import logging

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError, connections
from django.test import Client
from django.utils import timezone

from polls.models import Question
from polls.views import IndexView

pytestmark = pytest.mark.django_db

SITE_LOOK = 'class="site-header"'


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def log_records():
    """Everything logged by mysite.errors and django.request (both propagate=False)."""
    handler = Records()
    loggers = [logging.getLogger(name) for name in ("mysite.errors", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


@contextlib.contextmanager
def database_unreachable():
    """The default database unreachable for real, then the real one back."""
    original = connections["default"]
    broken = original.__class__({**original.settings_dict, "NAME": "/nonexistent-polls-dir/down.sqlite3"}, "default")
    connections["default"] = broken
    try:
        yield
    finally:
        try:
            broken.close()
        finally:
            connections["default"] = original


@pytest.fixture
def database_down():
    with database_unreachable():
        yield


def client():
    return Client(raise_request_exception=False)


def assert_one_line_no_traceback(records):
    assert len(records) == 1, [r.getMessage() for r in records]
    record = records[0]
    assert record.name == "mysite.errors"
    assert record.exc_info is None
    assert "\n" not in record.getMessage()
    assert "OperationalError" in record.getMessage()


def test_page_during_database_outage_is_a_503_page_in_the_site_look(database_down, log_records):
    response = client().get("/polls/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert SITE_LOOK in html and "/static/css/site.css" in html
    assert "Temporarily unavailable" in html and "Try again in 30 seconds." in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert_one_line_no_traceback(log_records)


def test_accept_json_during_database_outage_gets_json(database_down, log_records):
    response = client().get("/polls/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": "The database is unavailable. Try again in a moment."}
    assert_one_line_no_traceback(log_records)


@pytest.mark.parametrize(
    "path", ["/services/orgs/mysql", "/services/org-chart/1/mysql", "/services/orgs/1/groups/mysql"]
)
def test_api_during_database_outage_gets_json(database_down, log_records, path):
    response = client().get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert set(response.json()) == {"detail"}
    assert "Traceback" not in response.content.decode()
    assert_one_line_no_traceback(log_records)


def test_logged_in_api_write_during_database_outage_gets_json(django_user_model, log_records):
    staff = django_user_model.objects.create_user("outage-staff", password="x-pass-123", is_staff=True)
    logged_in = client()
    logged_in.force_login(staff)
    with database_unreachable():
        # The session (database sessions here) cannot be read: still JSON, still 503.
        response = logged_in.post("/services/orgs/mysql", '{"label": "x"}', content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert set(response.json()) == {"detail"}
    assert_one_line_no_traceback(log_records)


def test_outage_raised_by_middleware_is_a_503_too(monkeypatch, log_records):
    def down(self, request):
        raise OperationalError(2002, "Can't connect to local server through socket")

    monkeypatch.setattr(SessionMiddleware, "process_request", down)
    response = client().get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert SITE_LOOK in response.content.decode()
    assert_one_line_no_traceback(log_records)


def test_recovers_without_a_restart():
    Question.objects.create(question_text="Still here?", pub_date=timezone.now() - datetime.timedelta(hours=1))
    with database_unreachable():
        assert client().get("/polls/").status_code == 503
    response = client().get("/polls/")
    assert response.status_code == 200
    assert "Still here?" in response.content.decode()


def test_korean_503_page(database_down):
    response = client().get("/polls/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 503
    html = response.content.decode()
    assert "일시적으로 사용할 수 없음" in html and "30초 후에 다시 시도하세요." in html
    assert 'lang="ko"' in html


@pytest.mark.parametrize(
    "language, title, text",
    [("en", "Page not found", "Go to the home page"), ("ko", "페이지를 찾을 수 없습니다", "홈으로 가기")],
)
def test_404_page_in_the_site_look(language, title, text):
    response = client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = response.content.decode()
    assert SITE_LOOK in html and title in html and text in html
    assert "/no-such-page/" not in html  # Django's debug page would echo it


@pytest.mark.parametrize("language, title", [("en", "Something went wrong"), ("ko", "문제가 발생했습니다")])
def test_500_page_in_the_site_look(monkeypatch, log_records, language, title):
    def boom(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(IndexView, "get_queryset", boom)
    response = client().get("/polls/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    html = response.content.decode()
    assert SITE_LOOK in html and title in html
    assert "RuntimeError" not in html and "Traceback" not in html
    # A real bug keeps its traceback in the log (Apache's error log).
    assert [r.exc_info is not None for r in log_records] == [True]


def test_500_for_a_json_client_is_json(monkeypatch):
    def boom(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(IndexView, "get_queryset", boom)
    response = client().get("/polls/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
