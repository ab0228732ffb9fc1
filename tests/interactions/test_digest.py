"""The daily task e-mail, delivered to a real SMTP server on loopback."""
import socket
import time
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask_mailman import Mail

from crm.core import time as clock
from crm.interactions.models import Task
from crm.interactions.services import send_task_digests


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    state = Mail.init_mail({**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
                            "MAIL_BACKEND": "smtp"})
    monkeypatch.setitem(app.extensions, "mailman", state)
    yield inbox
    controller.stop()


def test_digest_mails_due_and_overdue_tasks(make_user, make_person, session, smtp):
    anna = make_user(username="anna", email="anna@lag-spessart.de", full_name="Anna Keller", task_digest=True)
    quiet = make_user(username="quiet", email="quiet@lag-spessart.de", task_digest=False)
    nothing_due = make_user(username="later", email="later@lag-spessart.de", task_digest=True)
    person = make_person("Zöller", "Thomas", gender="male")
    today = date(2026, 11, 26)
    session.add_all([
        Task(title="Kostenschätzung nachfragen", assignee=anna, due_on=today, person=person),
        Task(title="Förderantrag prüfen", assignee=anna, due_on=today - timedelta(days=3)),
        Task(title="Nächste Woche", assignee=anna, due_on=today + timedelta(days=7)),
        Task(title="Schon erledigt", assignee=anna, due_on=today, status="done"),
        Task(title="Stumm", assignee=quiet, due_on=today),
        Task(title="Später", assignee=nothing_due, due_on=today + timedelta(days=1)),
    ])
    session.commit()

    assert send_task_digests(today) == 1
    for _ in range(50):
        if smtp.messages:
            break
        time.sleep(0.05)
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["anna@lag-spessart.de"]
    assert "2" in message["Subject"]
    body = message.get_content()
    assert "Kostenschätzung nachfragen" in body and "Thomas Zöller" in body
    assert "Förderantrag prüfen" in body and "23.11.2026" in body
    assert "Nächste Woche" not in body and "Schon erledigt" not in body


def test_digest_cli(app, make_user, session, smtp):
    user = make_user(username="cli", email="cli@example.de", task_digest=True)
    session.add(Task(title="Heute fällig", assignee=user, due_on=clock.today()))
    session.commit()
    result = app.test_cli_runner().invoke(args=["crm", "send-task-digest"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
