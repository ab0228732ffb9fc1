"""Who may use the interaction and task routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "interactions.interaction_list": ("viewer", "GET"),
    "interactions.interaction_detail": ("viewer", "GET"),
    "interactions.not_contacted_list": ("viewer", "GET"),
    "interactions.interaction_create": ("staff", "GET POST"),
    "interactions.interaction_edit": ("staff", "GET POST"),
    "interactions.task_list": ("viewer", "GET"),
    "interactions.task_create": ("staff", "GET POST"),
    "interactions.task_edit": ("staff", "GET POST"),
    "interactions.task_done": ("staff", "POST"),
    "interactions.task_reopen": ("staff", "POST"),
    "interactions.task_digest_setting": ("viewer", "POST"),
}

# Exports that share a page's route (see test_exports_follow_one_policy).
EXPORTS = {"interactions.interaction_list": [{"export": "csv"}, {"export": "xlsx"}]}


def url_values(fixture):
    from crm.extensions import db
    from crm.interactions.models import Interaction, Task

    person = fixture("make_person")("Kontakt")
    interaction = Interaction(subject="Telefonat", kind="phone", persons=[person])
    task = Task(title="Nachfassen", person=person)
    db.session.add_all([interaction, task])
    db.session.commit()
    return {"interaction_id": interaction.id, "task_id": task.id}
