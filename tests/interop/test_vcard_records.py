"""A parsed vCard as a contact record (crm.interop.vcard_records): pure, no app needed."""
from crm.interop.vcard import parse_vcards
from crm.interop.vcard_records import record_from_vcard

PERSON = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:von Thurn;Hans;;Prof. Dr.;\r\nFN:Prof. Dr. Hans von Thurn\r\n"
          "ORG:Müller & Söhne GmbH\r\nEMAIL;TYPE=WORK:h.thurn@mueller-soehne.de\r\nEMAIL;TYPE=HOME:hans@privat.de\r\n"
          "TEL;TYPE=PAGER:0171 99\r\nEND:VCARD\r\n")
COMPANY = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Heimatverein Wörth e.V.\r\nORG:Heimatverein Wörth e.V.\r\n"
           "X-ABShowAs:COMPANY\r\nTEL;TYPE=WORK:09372 1234\r\nTEL;TYPE=FAX:09372 1235\r\nEMAIL:info@hv.de\r\n"
           "EMAIL:vorstand@hv.de\r\nEND:VCARD\r\n")


def _contacts(text):
    return parse_vcards(text.encode("utf-8")).contacts


def test_a_person_card_splits_business_private_and_further_details():
    record = record_from_vcard(_contacts(PERSON)[0])
    assert (record["degree"], record["nobility"], record["last_name"], record["first_name"]) == (
        "Prof. Dr.", "von", "Thurn", "Hans")
    assert record["organisation"] == "Müller & Söhne GmbH"
    assert record["email"] == "h.thurn@mueller-soehne.de" and record["private_email"] == "hans@privat.de"
    assert ["phone", "PAGER", "0171 99"] in [list(e) for e in record["extras"]]


def test_an_organisation_card_becomes_an_organisation_and_keeps_the_rest_in_the_notes():
    record = record_from_vcard(_contacts(COMPANY)[0])
    assert record["organisation"] == "Heimatverein Wörth e.V." and not record["last_name"]
    assert record["phone"] == "09372 1234" and record["fax"] == "09372 1235" and record["email"] == "info@hv.de"
    assert "vorstand@hv.de" in record["notes"]
