"""The region's date, not the server's: a UTC server must switch to the new day at Berlin's midnight."""
from datetime import date, datetime, timezone

import pytest

from crm.core import time as clock
from crm.extensions import db


@pytest.fixture
def frozen(monkeypatch):
    """frozen(datetime in UTC): the app's clock stands still there."""

    def freeze(moment: datetime):
        monkeypatch.setattr(clock, "utcnow", lambda: moment)

    return freeze


def test_today_is_berlins_date_around_midnight_utc(app, frozen):
    frozen(datetime(2026, 12, 1, 22, 59, tzinfo=timezone.utc))  # 23:59 in Berlin (winter, UTC+1)
    assert clock.today() == date(2026, 12, 1)
    frozen(datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc))  # 00:30 on 2 December in Berlin
    assert clock.today() == date(2026, 12, 2)
    frozen(datetime(2031, 6, 30, 22, 30, tzinfo=timezone.utc))  # summer time, UTC+2
    assert clock.today() == date(2031, 7, 1)
    assert clock.now().utcoffset().total_seconds() == 7200


def test_timezone_comes_from_the_config(app, frozen, monkeypatch):
    frozen(datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc))
    monkeypatch.setitem(app.config, "TIMEZONE", "UTC")
    assert clock.today() == date(2026, 12, 1)


def test_task_list_marks_due_and_overdue_by_the_berlin_date(client, login, frozen):
    from crm.interactions.models import Task

    user = login("staff")
    db.session.add_all([
        Task(title="Förderantrag prüfen", assignee=user, due_on=date(2031, 3, 31)),
        Task(title="Protokoll versenden", assignee=user, due_on=date(2031, 3, 30)),
    ])
    db.session.commit()
    # 23:30 UTC on 30 March 2031 is already 01:30 on 31 March in Berlin (summer time since that night).
    frozen(datetime(2031, 3, 30, 23, 30, tzinfo=timezone.utc))
    html = client.get("/aufgaben").get_data(as_text=True)
    assert "heute fällig" in html or "fällig heute" in html
    assert "überfällig seit 30.03.2031" in html


def test_no_server_date_in_the_code():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "crm"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if "date.today()" in p.read_text(encoding="utf-8")]
    assert offenders == []
