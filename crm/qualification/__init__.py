"""Qualification offers (issue 15): courses with sessions, public registration with double opt-in,
waitlist, attendance, certificates, matching and figures."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.qualification import cli, demo, models, timeline, views

    registry.blueprint(views.bp)
    registry.public(*views.PUBLIC_ENDPOINTS)
    registry.nav("qualification.offer_list", _l("Training"), order=60, prefix="qualification.", menu="more")
    registry.detail_section("person", "qualification/_person_section.html", views.person_section, order=95,
                            column="side")
    registry.timeline_source("person", timeline.person_qualification)
    registry.command(cli.send_course_reminders_command)
    registry.demo_data(demo.generate_offers, order=97)
    registry.labels(
        entities={"qualification_offer": _l("Qualification offer"), "qualification_session": _l("Session"),
                  "qualification_registration": _l("Registration")},
        fields={
            "qualification_offer.title": _l("Title"), "qualification_offer.kind": _l("Kind"),
            "qualification_offer.description": _l("Description"),
            "qualification_offer.provider_id": _l("Provider (organisation)"),
            "qualification_offer.location": _l("Place"), "qualification_offer.online_url": _l("Online link"),
            "qualification_offer.capacity": _l("Seats"), "qualification_offer.waitlist": _l("Waitlist"),
            "qualification_offer.fee": _l("Fee (EUR)"),
            "qualification_offer.registration_deadline": _l("Registration deadline"),
            "qualification_offer.status": _l("Status"),
            "qualification_registration.status": _l("Status"),
            "qualification_registration.waitlist_position": _l("Position on the waitlist"),
            "qualification_registration.source": _l("Registered through"),
            "qualification_offer.trainers": _l("Trainers"), "qualification_offer.target_groups": _l("Target groups"),
            "qualification_offer.fields_of_action": _l("Fields of action"),
            "qualification_offer.sessions": _l("Course dates"),
            "qualification_session.offer_id": _l("Offer"), "qualification_session.starts_at": _l("Start"),
            "qualification_session.ends_at": _l("End"), "qualification_session.topic": _l("Topic"),
            "qualification_registration.offer_id": _l("Offer"), "qualification_registration.person_id": _l("Person"),
            "qualification_registration.organisation_name": _l("Organisation"),
            "qualification_registration.consent_request_id": _l("Consent (double opt-in)"),
            "qualification_registration.registered_at": _l("Registered on"),
            "qualification_registration.cancelled_at": _l("Cancelled on"),
            "qualification_registration.moved_up_at": _l("Moved up on"),
            "qualification_registration.confirmation_sent_at": _l("Confirmation sent on"),
            "qualification_registration.reminder_sent_at": _l("Reminder sent on"),
        },
        values={"qualification_offer.kind": models.OFFER_KINDS, "qualification_offer.status": models.OFFER_STATUSES,
                "qualification_registration.status": models.REGISTRATION_STATUSES,
                "qualification_registration.source": models.REGISTRATION_SOURCES},
        record_urls={"qualification_offer": lambda i: url_for("qualification.offer_detail", offer_id=i)},
        decimal_fields={"qualification_offer.fee"},
    )
