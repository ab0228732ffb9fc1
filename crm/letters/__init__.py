"""Serienbriefe: letter runs to a Verteiler or a selection (built-in DIN 5008 letter or an uploaded Word
template), the letterhead, address labels. The engine is crm/interop/letters.py."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.letters import demo, views
    from crm.segments.models import RULES

    registry.blueprint(views.bp)
    registry.demo_data(demo.generate_letterhead, order=80)
    # in "More" while the bar is full at 1280 px; mostly reached from a Verteiler or the selection bar
    registry.nav("letters.run_list", _l("Letters"), order=55, prefix="letters.", menu="more")
    registry.labels(
        entities={"letterhead": _l("Letterhead"), "letter_template": _l("Letter template"),
                  "letter_run": _l("Mail merge")},
        fields={
            "sender_name": _l("Sender"), "address": _l("Address"), "return_line": _l("Return address line"),
            "contact_person": _l("Contact person"), "bank": _l("Bank details"), "footer": _l("Footer"),
            "logo_type": _l("Logo"), "filename": _l("File name"), "fields": _l("Merge fields"),
            "size": _l("Size"), "uploaded_by_id": _l("Uploaded by"), "created_by_id": _l("Created by"),
            "created_by_name": _l("Created by"), "subject": _l("Subject"), "body": _l("Text"),
            "letter_date": _l("Date of the letter"), "rule": _l("Write to"), "template_id": _l("Template"),
            "template_name": _l("Template"), "segment_use_id": _l("Recipients"), "source_label": _l("Mailing list"),
            "recipient_count": _l("Recipients"), "excluded_count": _l("Excluded"),
            "interaction_id": _l("Interaction"),
            # the run's time is audited (not excluded like other tables' created_at)
            "letter_run.created_at": _l("Created"),
        },
        values={"letter_run.rule": RULES, "job.kind": {"letter_run": _l("Writing letters"),
                                                                         "letter_pdf": _l("PDF of letters")},
                "job.record": {"letter_pdf": "letter_run"}},
        record_urls={
            "letter_run": lambda i: url_for("letters.run_detail", run_id=i),
            "letter_template": lambda i: url_for("letters.templates"),
            "letterhead": lambda i: url_for("letters.letterhead"),
        },
    )
