"""The minutes as a Word document: the meeting's values for crm.interop.minutes."""
from crm.core.formatting import local_date, time_span
from crm.decisions import services
from crm.interop import minutes as engine
from crm.letters import services as letters
from crm.meetings import services as meetings
from crm.meetings.models import Meeting

RESULT_WORDS = {"passed": "angenommen", "rejected": "abgelehnt", "invalid": "kein gültiger Beschluss"}


def _deputy_line(invitee) -> str:
    if invitee.deputy_for is not None:
        return f"{invitee.person.full_name} (in Vertretung für {invitee.deputy_for.full_name})"
    return invitee.person.full_name


def minutes_values(meeting: Meeting) -> engine.Minutes:
    stored = services.minutes_of(meeting)
    people = services.invitee_lists(meeting)
    items = []
    for position, item in enumerate(meeting.agenda_items, start=1):
        entry = stored["entries"].get(item.id)
        decision = stored["decisions"].get(item.id)
        vote = None
        if decision is not None:
            check = decision.check_result or {}
            vote = engine.VoteRecord(
                present=check.get("present", 0), excluded=list(check.get("excluded_names", [])),
                yes=decision.votes_yes, no=decision.votes_no, abstain=decision.votes_abstain,
                reasons=list(check.get("reasons", [])), result=RESULT_WORDS.get(decision.result, decision.result),
                project=decision.project.title if decision.project else "")
        items.append(engine.ItemRecord(number=f"TOP {position}", title=item.title,
                                       text=entry.text if entry else "", vote=vote))
    return engine.Minutes(
        sender=letters.letterhead().sender_name, title=meeting.title,
        when=time_span(meeting.starts_at, meeting.ends_at), place=meetings.place_text(meeting),
        members=[i.person.full_name for i in people["members"]],
        deputies=[_deputy_line(i) for i in people["deputies"]],
        guests=[i.person.full_name for i in people["guests"]], items=items)


def minutes_docx(meeting: Meeting) -> bytes:
    return engine.build(minutes_values(meeting))


def filename(meeting: Meeting) -> str:
    day = local_date(meeting.starts_at).replace(".", "-") if meeting.starts_at else "ohne-Datum"
    return f"Protokoll-{day}.docx"
