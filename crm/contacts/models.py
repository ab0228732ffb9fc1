"""Contact database: organisations, persons, their functions, and the catalogues."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.salutation import Addressee, display_name
from crm.core import time as clock
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import ArchivableMixin, TimestampMixin, one_of
from crm.core.text import fold
from crm.extensions import db

ORGANISATION_KINDS = {
    "municipality": _l("Municipality"),
    "district": _l("District"),
    "admin_union": _l("Administrative union"),
    "association": _l("Association"),
    "federation": _l("Federation"),
    "company": _l("Company"),
    "chamber": _l("Chamber"),
    "authority": _l("Authority"),
    "advisory_body": _l("Advisory body"),
    "education": _l("Education provider"),
    "media": _l("Media"),
    "church": _l("Church"),
    "foundation": _l("Foundation"),
    "other": _l("Other"),
}

SECTORS = {
    "public": _l("Public sector"),
    "economy": _l("Economy"),
    "civil_society": _l("Civil society"),
}

GENDERS = {
    "female": _l("female"),
    "male": _l("male"),
    "diverse": _l("diverse"),
    "unknown": _l("unknown"),
}

LEGAL_BASES = {
    "": _l("not recorded"),
    "art6_1a": _l("Art. 6(1)(a) GDPR: consent"),
    "art6_1b": _l("Art. 6(1)(b) GDPR: membership or contract"),
    "art6_1e": _l("Art. 6(1)(e) GDPR: task in the public interest"),
    "art6_1f": _l("Art. 6(1)(f) GDPR: legitimate interest"),
}

# A person's own data fields, in the order the merge screen shows them; the services set each of them
# from form data (relations such as tags and functions are handled apart).
PERSON_FIELDS = (
    "gender", "degree", "first_name", "nobility", "last_name", "name_suffix", "formal", "salutation_override",
    "email", "phone", "mobile", "street", "postcode", "city", "country", "expertise_note", "notes",
    "confidential_notes", "legal_basis",
    "data_source", "data_collected_on", "last_reviewed_on", "contact_objection",
)


def _assoc(name: str, left: str, right: str) -> Table:
    return Table(
        name,
        db.metadata,
        Column(f"{left}_id", ForeignKey(f"{left}.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{right}_id", ForeignKey(f"{right}.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


class _Catalogue:
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class Tag(_Catalogue, db.Model):
    __tablename__ = "tag"


class FieldOfAction(_Catalogue, db.Model):
    """Handlungsfeld of the regional strategy."""

    __tablename__ = "field_of_action"
    position: Mapped[int] = mapped_column(Integer, default=0)


class TargetGroup(_Catalogue, db.Model):
    __tablename__ = "target_group"


class ExpertiseTopic(_Catalogue, db.Model):
    __tablename__ = "expertise_topic"


class FunctionTitle(Audited, db.Model):
    """A function from the catalogue, with its male and female forms.

    `salutation_*` is the office title used in letters where customary
    ("Sehr geehrte Frau Bürgermeisterin,"); empty for functions that are not addressed so.
    """

    __tablename__ = "function_title"
    id: Mapped[int] = mapped_column(primary_key=True)
    name_male: Mapped[str] = mapped_column(String(120), unique=True)
    name_female: Mapped[str] = mapped_column(String(120))
    name_neutral: Mapped[str] = mapped_column(String(120), default="")
    salutation_male: Mapped[str] = mapped_column(String(120), default="")
    salutation_female: Mapped[str] = mapped_column(String(120), default="")
    # Key contacts (mayors, chairs) are watched on the start page ("not contacted", crm/interactions/dashboard.py).
    is_key_function: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name_for(self, gender: str) -> str:
        if gender == "female":
            return self.name_female
        if gender == "male":
            return self.name_male
        return self.name_neutral or f"{self.name_male} / {self.name_female}"

    def office_title_for(self, gender: str) -> str:
        if gender == "female":
            return self.salutation_female
        if gender == "male":
            return self.salutation_male
        return ""

    def __str__(self) -> str:
        return f"{self.name_male} / {self.name_female}"

    def audit_label(self) -> str:
        return str(self)


organisation_tag = _assoc("organisation_tag", "organisation", "tag")
organisation_field = _assoc("organisation_field", "organisation", "field_of_action")
organisation_target_group = _assoc("organisation_target_group", "organisation", "target_group")
person_tag = _assoc("person_tag", "person", "tag")
person_field = _assoc("person_field", "person", "field_of_action")
person_target_group = _assoc("person_target_group", "person", "target_group")
person_expertise = _assoc("person_expertise", "person", "expertise_topic")


class Organisation(Audited, Versioned, TimestampMixin, ArchivableMixin, db.Model):
    __tablename__ = "organisation"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "sort_name"})
    __table_args__ = (
        Index("ix_organisation_kind_sort", "kind", "sort_name"),
        Index("ix_organisation_updated_at", "updated_at"),  # the last change (see Person's ix_person_updated_at)
        # The active organisations, counted on the start page and in the list (see Person's ix_person_active).
        Index("ix_organisation_active", "id", postgresql_where=text("archived_at IS NULL"),
              sqlite_where=text("archived_at IS NULL")),
        one_of("kind", ORGANISATION_KINDS),
        one_of("sector", SECTORS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(30), default="other")
    sector: Mapped[str] = mapped_column(String(20), default="civil_society", index=True)
    ags: Mapped[str] = mapped_column(String(8), default="", index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    street: Mapped[str] = mapped_column(String(200), default="")
    po_box: Mapped[str] = mapped_column(String(40), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="DE")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    sort_name: Mapped[str] = mapped_column(String(200), default="", index=True)

    parent: Mapped["Organisation | None"] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list["Organisation"]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Organisation.sort_name"
    )
    municipality: Mapped["Organisation | None"] = relationship(remote_side=[id], foreign_keys=[municipality_id])
    tags: Mapped[list[Tag]] = relationship(secondary=organisation_tag, order_by=Tag.name)
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(
        secondary=organisation_field, order_by=FieldOfAction.position
    )
    target_groups: Mapped[list[TargetGroup]] = relationship(
        secondary=organisation_target_group, order_by=TargetGroup.name
    )
    affiliations: Mapped[list["Affiliation"]] = relationship(back_populates="organisation")

    def update_sort_name(self) -> None:
        self.sort_name = fold(self.name)[:200]

    @property
    def kind_label(self) -> str:
        return str(ORGANISATION_KINDS.get(self.kind, self.kind))

    @property
    def sector_label(self) -> str:
        return str(SECTORS.get(self.sector, self.sector))

    @property
    def current_affiliations(self) -> list["Affiliation"]:
        """Office holders first (in catalogue order), then everyone else by name."""

        def order(a):
            f = a.function
            return (f is None, not f.is_key_function if f else True, f.position if f else 0, a.person.sort_name)

        return sorted((a for a in self.affiliations if a.is_current), key=order)

    @property
    def past_affiliations(self) -> list["Affiliation"]:
        former = (a for a in self.affiliations if not a.is_current)
        return sorted(former, key=lambda a: a.valid_to or date.min, reverse=True)

    def addressee(self) -> Addressee:
        """The organisation itself as a letter addressee ("Sehr geehrte Damen und Herren,")."""
        return Addressee(organisation=self.name, street=self.street, po_box=self.po_box, postcode=self.postcode,
                         city=self.city, country=self.country or "DE")

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class Person(Audited, Versioned, TimestampMixin, ArchivableMixin, db.Model):
    __tablename__ = "person"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "sort_name", "sort_city", "last_contacted_at"})
    # The person list sorted by city reads its first page from here instead of sorting every row.
    __table_args__ = (
        Index("ix_person_sort_city", "sort_city", "sort_name", "id"),
        # The active persons (counted here; PostgreSQL joins a filtered list's ids with it alone) and the
        # few archived ones. Partial, so that SQLite, which keeps no statistics, does not take them for a
        # selective index on "archived_at IS NULL" and sort every active person for a page of the list.
        Index("ix_person_active", "id", postgresql_where=text("archived_at IS NULL"),
              sqlite_where=text("archived_at IS NULL")),
        Index("ix_person_archived", "archived_at", postgresql_where=text("archived_at IS NOT NULL"),
              sqlite_where=text("archived_at IS NOT NULL")),
        # The start page's "not contacted" panel looks up its few thousand key contacts here, index-only.
        Index("ix_person_not_contacted", "id", "archived_at", "contact_objection", "last_contacted_at", "sort_name"),
        # The last change: the CardDAV books' change marker (crm/carddav/books.py) and the API's updated_since.
        Index("ix_person_updated_at", "updated_at"),
        # The few persons who objected to being contacted: the Verteiler count finds them here
        # (crm/segments/facets.py count_query) instead of reading every person.
        Index("ix_person_objection", "id", "archived_at", postgresql_where=text("contact_objection IS true"),
              sqlite_where=text("contact_objection IS 1")),
        one_of("gender", GENDERS),
        one_of("legal_basis", LEGAL_BASES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gender: Mapped[str] = mapped_column(String(10), default="unknown")
    degree: Mapped[str] = mapped_column(String(60), default="")
    nobility: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100))
    name_suffix: Mapped[str] = mapped_column(String(40), default="")
    formal: Mapped[bool] = mapped_column(Boolean, default=True)
    salutation_override: Mapped[str] = mapped_column(String(200), default="")
    # Private contact data (optional); business data sits on the affiliation.
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="DE")
    expertise_note: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Seen by office staff and above only (crm.core.confidential), like the private contact data above.
    confidential_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Data protection (DSGVO): legal basis and where the data came from.
    legal_basis: Mapped[str] = mapped_column(String(20), default="")
    data_source: Mapped[str] = mapped_column(String(300), default="")
    data_collected_on: Mapped[date | None] = mapped_column(Date)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    contact_objection: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_name: Mapped[str] = mapped_column(String(220), default="", index=True)
    # Newest interaction with the person, kept by the interaction services (crm.interactions.services
    # .refresh_last_contacted), so that the start page's "not contacted" needs no scan of all interactions.
    last_contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The city the person list shows (own city, else the organisation's of the primary function),
    # folded; NULL when there is none. Kept by search.reindex_persons, which sees every change to it.
    sort_city: Mapped[str | None] = mapped_column(String(100))

    tags: Mapped[list[Tag]] = relationship(secondary=person_tag, order_by=Tag.name)
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(
        secondary=person_field, order_by=FieldOfAction.position
    )
    target_groups: Mapped[list[TargetGroup]] = relationship(secondary=person_target_group, order_by=TargetGroup.name)
    expertise_topics: Mapped[list[ExpertiseTopic]] = relationship(
        secondary=person_expertise, order_by=ExpertiseTopic.name
    )
    affiliations: Mapped[list["Affiliation"]] = relationship(
        back_populates="person", order_by="Affiliation.valid_from.desc()"
    )

    def update_sort_name(self) -> None:
        self.sort_name = fold(f"{self.last_name} {self.first_name}")[:220]

    @property
    def full_name(self) -> str:
        return display_name(self.addressee())

    @property
    def current_affiliations(self) -> list["Affiliation"]:
        current = [a for a in self.affiliations if a.is_current]
        return sorted(current, key=lambda a: (not a.is_primary, a.organisation.sort_name))

    @property
    def past_affiliations(self) -> list["Affiliation"]:
        return sorted(
            (a for a in self.affiliations if not a.is_current), key=lambda a: a.valid_to or date.min, reverse=True
        )

    @property
    def has_private_address(self) -> bool:
        return bool(self.street or self.postcode or self.city)

    @property
    def primary_affiliation(self) -> "Affiliation | None":
        current = self.current_affiliations
        return current[0] if current else None

    @property
    def legal_basis_label(self) -> str:
        return str(LEGAL_BASES.get(self.legal_basis, self.legal_basis))

    def addressee(self, affiliation: "Affiliation | None" = None) -> Addressee:
        """The person as a letter addressee: at an organisation, or privately."""
        base = dict(
            gender=self.gender,
            degree=self.degree,
            nobility=self.nobility,
            first_name=self.first_name,
            last_name=self.last_name,
            name_suffix=self.name_suffix,
            formal=self.formal,
            salutation_override=self.salutation_override,
        )
        if affiliation is None:
            return Addressee(
                **base, street=self.street, postcode=self.postcode, city=self.city, country=self.country or "DE"
            )
        org = affiliation.organisation
        use_own = bool(affiliation.street or affiliation.city)
        return Addressee(
            **base,
            office_title=affiliation.function.office_title_for(self.gender) if affiliation.function else "",
            function=affiliation.function.name_for(self.gender) if affiliation.function else "",
            organisation=org.name,
            department=affiliation.department,
            street=affiliation.street if use_own else org.street,
            po_box="" if use_own else org.po_box,
            postcode=affiliation.postcode if use_own else org.postcode,
            city=affiliation.city if use_own else org.city,
            country=org.country or "DE",
        )

    def __str__(self) -> str:
        return self.full_name

    def audit_label(self) -> str:
        return self.full_name


class Affiliation(Audited, Versioned, TimestampMixin, db.Model):
    """A person's function at an organisation, with its period. Office holders change; rows stay."""

    __tablename__ = "affiliation"
    # valid_to included so "current members of these organisations" (list filters) and "has a current
    # function" (Verteiler) read the index only.
    __table_args__ = (Index("ix_affiliation_org_person_valid", "organisation_id", "person_id", "valid_to"),
                      Index("ix_affiliation_person_valid", "person_id", "valid_to"),
                      Index("ix_affiliation_updated_at", "updated_at"))  # the last change (CardDAV books)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    function_id: Mapped[int | None] = mapped_column(ForeignKey("function_title.id", ondelete="SET NULL"), index=True)
    function_label: Mapped[str] = mapped_column(String(120), default="")  # free text when not in the catalogue
    department: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="affiliations")
    organisation: Mapped[Organisation] = relationship(back_populates="affiliations")
    function: Mapped[FunctionTitle | None] = relationship()

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= clock.today()

    @property
    def function_name(self) -> str:
        if self.function is not None:
            return self.function.name_for(self.person.gender if self.person else "unknown")
        return self.function_label

    @property
    def effective_email(self) -> str:
        return self.email or self.organisation.email

    @property
    def effective_phone(self) -> str:
        return self.phone or self.organisation.phone

    def audit_label(self) -> str:
        person = self.person.full_name if self.person else "?"
        org = self.organisation.name if self.organisation else "?"
        return f"{person}: {self.function_name or '-'} ({org})"

