"""PLACEHOLDER until the date-poll branch is merged: the personal links the invitations carry
("meetings.rsvp", "meetings.poll_answer"), so that url_for builds them. The real pages replace this
file; an unknown token is a 404, a known one a plain page."""
from flask import abort, render_template_string

from crm.meetings import services
from crm.meetings.views import bp

_PAGE = """{% extends "base.html" %}{% block content %}<h1 class="h4">{{ invitee.meeting.title }}</h1>
<p>{{ invitee.person.full_name }}</p>{% endblock %}"""


def _page(token: str):
    invitee = services.invitee_by_token(token)
    if invitee is None:
        abort(404)
    return render_template_string(_PAGE, invitee=invitee)


@bp.get("/antwort/<token>")
def rsvp(token: str):
    return _page(token)


@bp.get("/umfrage/<token>")
def poll_answer(token: str):
    return _page(token)
