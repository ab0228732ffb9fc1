"""Who may use the qualification routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "qualification.offer_list": ("viewer", "GET"),
    "qualification.offer_detail": ("viewer", "GET"),
    "qualification.offer_create": ("staff", "GET POST"),
    "qualification.offer_edit": ("staff", "GET POST"),
    "qualification.offer_status": ("staff", "POST"),
    "qualification.registration_cancel": ("staff", "POST"),
    "qualification.person_register": ("staff", "POST"),
    "qualification.segment_register": ("staff", "POST"),
    "qualification.attendance": ("staff", "POST"),
    "qualification.participant_list": ("staff", "GET"),
    "qualification.signature_list": ("staff", "GET"),
    "qualification.certificates": ("staff", "GET"),
    "qualification.suggestions": ("viewer", "GET"),
    "qualification.suggestions_segment": ("staff", "POST"),
    "qualification.figures": ("viewer", "GET"),
}
# the public offers, the registration form and the confirmation link: no login (rate-limited, CSRF)
PUBLIC = {"qualification.public_list", "qualification.public_register", "qualification.public_confirm"}


def url_values(fixture):
    """An open offer with two sessions and one registration (cancelled by the sweep's first allowed role)."""
    from datetime import datetime, timezone

    from crm.extensions import db
    from crm.qualification import services

    trainer = fixture("make_person")(last_name="Schulung", first_name="Tina")
    participant = fixture("make_person")(last_name="Teilnahme", first_name="Tom")
    offer = services.save_offer(None, {
        "title": "Förderantrag richtig stellen", "kind": "seminar", "status": "open", "capacity": 20,
        "waitlist": True, "trainer_ids": [trainer.id],
        "sessions": [(datetime(2027, 3, 18, 8, 0, tzinfo=timezone.utc), datetime(2027, 3, 18, 15, 0, tzinfo=timezone.utc),
                      "Grundlagen")],
    })
    outcome = services.register(offer, participant, "staff")
    db.session.commit()
    return {"offer_id": offer.id, "session_id": offer.sessions[0].id, "registration_id": outcome.registration.id}
