"""Calendar files: one meeting as .ics, the subscribed feeds behind secret addresses, and the page
where users find, renew and revoke their addresses."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.core.permissions import can_edit, role_at_least
from crm.extensions import db
from crm.meetings import feeds, services
from crm.meetings.views import bp
from crm.network.models import Body

CALENDAR_TYPE = "text/calendar; charset=utf-8"


@bp.app_template_global("calendar_feed_panel")
def calendar_feed_panel(body: Body | None = None) -> feeds.FeedPanel:
    """For templates/meetings/_feed_links.html: the body's feed, or the logged-in user's own."""
    return feeds.feed_panel(current_user, body)


@bp.get("/termine/<id:meeting_id>/termin.ics")
def meeting_ics(meeting_id: int):
    meeting = services.load_meeting(meeting_id)
    if meeting is None:
        abort(404)
    if meeting.starts_at is None:
        flash(_("The meeting has no date yet, so there is no calendar entry."), "info")
        return redirect(url_for("meetings.messages", meeting_id=meeting.id))
    response = Response(feeds.meeting_ics(meeting), mimetype="text/calendar")
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{feeds.ics_filename(meeting)}"'
    return response


@bp.get("/kalender/<token>.ics")
def feed(token: str):
    """Public (the token is the key): the same 404 for unknown, revoked and malformed tokens."""
    calendar_feed = feeds.feed_by_token(token)
    if calendar_feed is None:
        abort(404)
    content = feeds.feed_content(calendar_feed)
    response = Response(content.data)
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Content-Disposition"] = 'inline; filename="termine.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.set_etag(content.etag)
    return response.make_conditional(request)


@bp.get("/kalender")
def feeds_page():
    bodies = feeds.feed_bodies()
    return render_template("meetings/feeds.html", bodies=bodies,
                           may_change_bodies=role_at_least(current_user, "staff"))


@bp.post("/kalender/persoenlich/neu")
def user_feed_renew():
    had = feeds.active_feed(user=current_user) is not None
    feeds.renew_feed(user=current_user)
    db.session.commit()
    flash(_("Your calendar has a new address; the old one no longer works.") if had
          else _("Your calendar address is ready: add it to your calendar app."), "success")
    return redirect(url_for("meetings.feeds_page"))


@bp.post("/kalender/persoenlich/widerrufen")
def user_feed_revoke():
    if feeds.revoke_feed(user=current_user):
        db.session.commit()
        flash(_("Your calendar address no longer works."), "success")
    return redirect(url_for("meetings.feeds_page"))


def _body(body_id: int) -> Body:
    body = db.session.get(Body, body_id)
    if body is None:
        abort(404)
    return body


@bp.post("/kalender/gremium/<id:body_id>/neu")
@can_edit
def body_feed_renew(body_id: int):
    body = _body(body_id)
    had = feeds.active_feed(body=body) is not None
    feeds.renew_feed(body=body)
    db.session.commit()
    flash(_("The calendar of %(name)s has a new address; the old one no longer works.", name=body.name) if had
          else _("The calendar of %(name)s has an address now.", name=body.name), "success")
    return redirect(url_for("meetings.feeds_page"))


@bp.post("/kalender/gremium/<id:body_id>/widerrufen")
@can_edit
def body_feed_revoke(body_id: int):
    body = _body(body_id)
    if feeds.revoke_feed(body=body):
        db.session.commit()
        flash(_("The calendar address of %(name)s no longer works.", name=body.name), "success")
    return redirect(url_for("meetings.feeds_page"))
