"""Who may use the bodies, seats and interest group routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "network.body_list": ("viewer", "GET"),
    "network.structure": ("viewer", "GET"),
    "network.body_detail": ("viewer", "GET"),
    "network.body_history": ("viewer", "GET"),
    "network.body_create": ("staff", "GET POST"),
    "network.body_edit": ("staff", "GET POST"),
    "network.body_archive": ("staff", "POST"),
    "network.body_restore": ("staff", "POST"),
    "network.seat_create": ("staff", "GET POST"),
    "network.seat_edit": ("staff", "GET POST"),
    "network.seat_end": ("staff", "POST"),
    # Member lists with contact data leave the system: the office, not read-only users.
    "network.members_docx": ("staff", "GET"),
    "network.members_csv": ("staff", "GET"),
    "network.members_xlsx": ("staff", "GET"),
    "network.members_vcard": ("staff", "GET"),
    "network.interest_group_list": ("manager", "GET"),
    "network.interest_group_create": ("manager", "GET POST"),
    "network.interest_group_edit": ("manager", "GET POST"),
    "network.interest_group_archive": ("manager", "POST"),
    "network.interest_group_restore": ("manager", "POST"),
}


def url_values(fixture):
    from datetime import date

    from crm.extensions import db
    from crm.network.models import Body, InterestGroup, Seat

    person = fixture("make_person")("Sitzinhaber")
    group = InterestGroup(name="Sweep-Gruppe", sector="economy")
    body = Body(name="Sweep-Gremium", kind="lag_decision")
    seat = Seat(body=body, person=person, interest_group=group, valid_from=date(2024, 1, 1))
    db.session.add_all([group, body, seat])
    db.session.commit()
    return {"body_id": body.id, "seat_id": seat.id, "group_id": group.id}
