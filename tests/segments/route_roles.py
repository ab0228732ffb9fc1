"""Who may use the Verteiler routes (see tests/core/test_routes_by_role.py).

Everyone reads lists and their recipients (as they read the contacts); the office builds and changes
them. Exports of a Verteiler go through the export routes and their policy (staff and above).
"""

ROUTES = {
    "segments.segment_list": ("viewer", "GET"),
    "segments.segment_detail": ("viewer", "GET"),
    "segments.segment_recipients": ("viewer", "GET"),
    "segments.segment_history": ("viewer", "GET"),
    "segments.use_detail": ("viewer", "GET"),
    "segments.segment_create": ("staff", "GET POST"),
    "segments.segment_edit": ("staff", "GET POST"),
    "segments.segment_duplicate": ("staff", "POST"),
    "segments.segment_archive": ("staff", "POST"),
    "segments.segment_restore": ("staff", "POST"),
    "segments.member_remove": ("staff", "POST"),
    "segments.preview": ("staff", "POST"),
    "segments.selection": ("staff", "POST"),
}


def url_values(fixture):
    from crm.extensions import db
    from crm.segments import services

    person = fixture("make_person")("Verteilerin")
    segment = services.save_segment(None, {"name": "Sweep-Verteiler", "kind": "fixed"})
    services.add_members(segment, [person.id])
    use = services.record_use(segment, "export", "person", services.resolve(segment))
    db.session.commit()
    return {"segment_id": segment.id, "use_id": use.id}
