"""Persons, organisations, functions, tags, the quick search and the salutation."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.contacts import cli, dashboard, timeline, views
    from crm.contacts.models import GENDERS, LEGAL_BASES, ORGANISATION_KINDS, SECTORS

    registry.blueprint(views.bp)
    registry.nav("contacts.person_list", _l("Persons"), order=10, prefix="contacts.person")
    registry.nav("contacts.organisation_list", _l("Organisations"), order=20, prefix="contacts.organisation")

    registry.timeline_source("person", timeline.person_functions_and_changes)
    registry.timeline_source("organisation", timeline.organisation_functions_and_changes)

    registry.panel(dashboard.recent_changes_panel)
    registry.panel(dashboard.contact_counts_panel)

    registry.labels(
        entities={"person": _l("Person"), "organisation": _l("Organisation"), "affiliation": _l("Function"),
                  "function_title": _l("Function catalogue"), "tag": _l("Tag"),
                  "field_of_action": _l("Field of action"), "target_group": _l("Target group"),
                  "expertise_topic": _l("Expertise topic"), "person_tag": _l("Tags of a person"),
                  "person_field": _l("Fields of action of a person"),
                  "person_target_group": _l("Target groups of a person"),
                  "person_expertise": _l("Expertise of a person"), "organisation_tag": _l("Tags of an organisation"),
                  "organisation_field": _l("Fields of action of an organisation"),
                  "organisation_target_group": _l("Target groups of an organisation"),
                  "search_token": _l("Search index")},
        fields={
            "gender": _l("Gender"), "degree": _l("Academic degree"), "nobility": _l("Nobility particle"),
            "first_name": _l("First name"), "last_name": _l("Last name"), "name_suffix": _l("Name suffix"),
            "formal": _l("Formal address"), "salutation_override": _l("Own salutation"), "email": _l("E-mail"),
            "phone": _l("Phone"), "mobile": _l("Mobile"), "fax": _l("Fax"), "street": _l("Street and number"),
            "postcode": _l("Postcode"), "city": _l("City"), "country": _l("Country"), "notes": _l("Notes"),
            "confidential_notes": _l("Confidential notes"),
            "expertise_note": _l("Expert profile"), "legal_basis": _l("Legal basis"),
            "data_source": _l("Source of the data"), "data_collected_on": _l("Collected on"),
            "last_reviewed_on": _l("Last reviewed on"), "contact_objection": _l("Objects to being contacted"),
            "tags": _l("Tags"), "fields_of_action": _l("Fields of action"), "target_groups": _l("Target groups"),
            "expertise_topics": _l("Expertise topics"), "name": _l("Name"), "short_name": _l("Short name"),
            "kind": _l("Kind"), "sector": _l("Sector"), "ags": _l("AGS"), "parent_id": _l("Part of"),
            "municipality_id": _l("Municipality"), "po_box": _l("PO box"), "website": _l("Website"),
            "person_id": _l("Person"), "organisation_id": _l("Organisation"), "function_id": _l("Function"),
            "function_label": _l("Function (free text)"), "department": _l("Department"), "valid_from": _l("From"),
            "valid_to": _l("Until"), "is_primary": _l("Primary function"),
            "name_male": _l("Male form"), "name_female": _l("Female form"), "name_neutral": _l("Neutral form"),
            "salutation_male": _l("Office title in letters (male)"),
            "salutation_female": _l("Office title in letters (female)"), "is_key_function": _l("Key function"),
        },
        values={"organisation.kind": ORGANISATION_KINDS, "organisation.sector": SECTORS, "person.gender": GENDERS,
                "person.legal_basis": LEGAL_BASES},
        record_urls={
            "person": lambda i: url_for("contacts.person_detail", person_id=i),
            "organisation": lambda i: url_for("contacts.organisation_detail", org_id=i),
        },
    )
    registry.command(cli.seed_demo_command)
    registry.command(cli.reindex_command)
