"""A parsed vCard (crm.interop.vcard.VCardContact) as a contact record (crm.interop.records):
person cards with their business and private data, and organisation cards. No Flask, no database."""
from __future__ import annotations

from crm.interop.records import SALUTATIONS, country_code_of, empty_record, split_full_name, split_nobility


def record_from_vcard(contact) -> dict:
    """A parsed vCard (crm.interop.vcard.VCardContact) as a contact record.

    Business data (TYPE=WORK, or untyped when the card has an organisation) goes to the
    function at the organisation, private data to the person; whatever has no field of its
    own (a second e-mail, a fax, a third address) is kept as a further contact detail.
    """
    if getattr(contact, "is_organisation", False):
        return _organisation_record_from_vcard(contact)
    record = empty_record()
    prefix_words = contact.prefix.replace(",", " ").split()
    degree_words = []
    for word in prefix_words:
        key = word.rstrip(".").lower()
        if key in SALUTATIONS:
            record["gender"] = SALUTATIONS[key]
        else:
            degree_words.append(word)
    record["degree"] = " ".join(degree_words)
    if contact.gender:
        record["gender"] = contact.gender
    family = contact.family
    given = " ".join(p for p in (contact.given, contact.additional) if p)
    if not family and not given and contact.formatted_name:
        split = split_full_name(contact.formatted_name)
        family, given = split["last_name"], split["first_name"]
        record["degree"] = record["degree"] or split["degree"]
        record["nobility"] = split["nobility"]
    record["first_name"] = given
    nobility, last = split_nobility(family) if family else ("", "")
    record["nobility"] = record["nobility"] or nobility
    record["last_name"] = last
    record["name_suffix"] = contact.suffix
    if not record["last_name"] and not record["first_name"] and not contact.organisations:
        # Android keeps cards with only an e-mail address or a phone number
        if contact.emails:
            record["last_name"] = contact.emails[0].value.split("@")[0]
        elif contact.phones:
            record["last_name"] = contact.phones[0].value
    has_org = bool(contact.organisations)
    if has_org:
        org, department = contact.organisations[0]
        record["organisation"], record["department"] = org, department
        record["function"] = contact.titles[0] if contact.titles else ""
        for i, (org, department) in enumerate(contact.organisations[1:], start=1):
            title = contact.titles[i] if i < len(contact.titles) else ""
            record["more_affiliations"].append([org, department, title])
    elif contact.titles:
        record["extras"].append(["title", "", contact.titles[0]])
    for title in contact.titles[len(contact.organisations or [None]):]:
        record["extras"].append(["title", "", title])
    if contact.role:
        record["expertise_note"] = contact.role

    def place(slots: list[str], kind: str, value: str, label: str) -> None:
        for slot in slots:
            if not record[slot]:
                record[slot] = value
                return
        record["extras"].append([kind, label, value])

    business = ["email"] if has_org else []
    # typed addresses claim their slot before untyped ones (Thunderbird marks the untyped one PREF)
    for email in sorted(contact.emails, key=lambda e: not (e.has("WORK") or e.has("HOME"))):
        if email.has("WORK"):
            place(business + ["private_email"], "email", email.value, email.label or "WORK")
        elif email.has("HOME"):
            place(["private_email"], "email", email.value, email.label or "HOME")
        else:
            place(business + ["private_email"], "email", email.value, email.label)
    for phone in contact.phones:
        label = phone.label or ",".join(sorted(t for t in phone.types if t not in ("VOICE", "PREF")))
        if phone.has("FAX"):
            # the person's own fax: kept with the person (an organisation that exists keeps its own)
            record["extras"].append(["phone", label or "FAX", phone.value])
        elif phone.types & SPECIAL_PHONE_TYPES or (phone.label and not phone.types & {"CELL", "WORK", "HOME"}):
            record["extras"].append(["phone", label, phone.value])
        elif phone.has("CELL") and phone.has("WORK"):
            # a work mobile is never a private one; without an organisation it stays a labelled detail
            place(["mobile"] if has_org else [], "phone", phone.value, label)
        elif phone.has("CELL"):
            # like an untyped phone: on a card with an organisation (Outlook's only mobile field)
            # it is the business mobile, unless the card says HOME
            business_mobile = has_org and not phone.has("HOME")
            place((["mobile"] if business_mobile else []) + ["private_mobile"], "phone", phone.value, label)
        elif phone.has("WORK"):
            place(["phone"] if has_org else ["private_phone"], "phone", phone.value, label)
        elif phone.has("HOME"):
            place(["private_phone"], "phone", phone.value, label)
        else:
            place((["phone"] if has_org else []) + ["private_phone"], "phone", phone.value, label)
    used_business = not has_org
    used_private = False
    for address in contact.addresses:
        street = ", ".join(p for p in (address.extended, address.street) if p)
        if address.po_box and not street:
            street = f"Postfach {address.po_box}" if address.po_box[:1].isdigit() else address.po_box
        elif address.po_box:
            street = f"{street}, {address.po_box}"
        city = address.city
        if address.region and address.region != address.city:
            city = f"{city}, {address.region}" if city else address.region
        country = country_code_of(address.country) if address.country else ""
        fits = country is not None and len(address.postcode) <= 10 and len(street) <= 200 and len(city) <= 100
        target = None
        if fits and address.has("WORK") and not used_business:
            target, used_business = "", True
        elif fits and (address.has("HOME") or not address.types - {"PREF", "POSTAL", "PARCEL", "DOM", "INTL"}) \
                and not used_private:
            target, used_private = "private_", True
        elif fits and not used_business and not address.has("HOME"):
            target, used_business = "", True
        if target is None:
            record["extras"].append(["address", address.label or ",".join(sorted(address.types - {"PREF"})),
                                     address.one_line()])
            continue
        record[target + "street"] = street
        record[target + "postcode"] = address.postcode
        record[target + "city"] = city
        record[target + "country"] = country or ""
    for url in getattr(contact, "urls", []):
        label = url.label or ",".join(sorted(t for t in url.types if t != "PREF"))
        record["extras"].append(["web", label, url.value])
    record["tags"] = [c[:120] for c in contact.categories]
    record["notes"] = contact.note
    return record


# Phone types that are neither the office nor the private line nor a mobile: kept with their type.
SPECIAL_PHONE_TYPES = frozenset({"PAGER", "CAR", "ISDN", "MODEM", "BBS", "TEXTPHONE", "ASSISTANT", "CALLBACK", "X400"})


def _organisation_record_from_vcard(contact) -> dict:
    """An organisation card (KIND:org, X-ABShowAs:COMPANY): an organisation only, no person.

    Its phone, fax, e-mail, website and address go to the organisation's fields; what has no
    field of its own is added to the notes, so nothing is lost.
    """
    record = empty_record()
    name = contact.organisations[0][0] if contact.organisations and contact.organisations[0][0] else ""
    record["organisation"] = name or contact.formatted_name or " ".join(
        p for p in (contact.given, contact.family) if p)
    more = []
    if contact.organisations and contact.organisations[0][1]:
        more.append(contact.organisations[0][1])

    def put(slot: str, value: str, label: str) -> None:
        if not record[slot]:
            record[slot] = value
        elif value != record[slot]:
            more.append(f"{label}: {value}" if label else value)

    for email in contact.emails:
        put("email", email.value, email.label or ",".join(sorted(email.types - {"INTERNET", "PREF"})))
    for phone in contact.phones:
        label = phone.label or ",".join(sorted(t for t in phone.types if t not in ("VOICE", "PREF")))
        put("fax" if phone.has("FAX") else "phone", phone.value, label)
    for url in contact.urls:
        put("website", url.value, url.label or ",".join(sorted(url.types - {"PREF"})))
    for address in contact.addresses:
        country = country_code_of(address.country) if address.country else ""
        street = ", ".join(p for p in (address.extended, address.street) if p)
        if not record["street"] and not record["city"] and country is not None and len(address.postcode) <= 10:
            record["street"], record["postcode"], record["city"] = street[:200], address.postcode, address.city[:100]
            record["country"] = country or ""
        else:
            more.append(address.one_line())
    record["tags"] = [c[:120] for c in contact.categories]
    record["notes"] = "\n".join(p for p in (contact.note, "\n".join(more)) if p).strip()
    return record
