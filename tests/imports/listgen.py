"""Realistic import lists for the tests, made here (no shared data): a business development
office's Excel list and a CSV from German Excel (Windows-1252, ";").

`seed_contacts()` puts a few organisations and persons into the database whose spellings the
lists then vary the way real lists do: umlauts written as "ae"/"ss" ("Heß" -> "Hess"),
legal forms written differently ("GmbH & Co. KG" -> "GmbH & Co.KG", "e.K." -> "eK", none at
all), an address with only postcode and town. `make_rows()` mixes those duplicates with new
persons at new and existing organisations, a few rows twice, and a few rows with errors.
"""
from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

HEADER = ["Anrede", "Titel", "Vorname", "Nachname", "Funktion", "Organisation", "Straße", "PLZ", "Ort", "E-Mail",
          "Telefon", "Schlagwort", "Bemerkung"]

# (organisation as stored, as the lists write it, street, postcode, town)
ORGANISATIONS = [
    ("Ritter-Software GmbH & Co. KG", "Ritter Software GmbH & Co.KG", "Industriestraße 4", "63741", "Aschaffenburg"),
    ("Löwer Logistik GmbH & Co. KG", "Loewer Logistik GmbH & Co.KG", "Hafenstraße 12", "63739", "Aschaffenburg"),
    ("Gumprich Holzbau GmbH", "Gumprich Holzbau", "Am Sägewerk 3", "63897", "Miltenberg"),
    ("Barth Logistik e.K.", "Barth Logistik eK", "Gewerbering 7", "63920", "Großheubach"),
    ("Obst- und Gartenbauverein Kahl e.V.", "Obst und Gartenbauverein Kahl eV", "Vereinsweg 1", "63796", "Kahl am Main"),
    ("Bäckerei Weiß GmbH", "Baeckerei Weiss GmbH", "Marktplatz 2", "63868", "Großwallstadt"),
    ("Müller & Söhne GmbH", "Mueller und Soehne GmbH", "Mühlweg 9", "63785", "Obernburg"),
    ("Brückner Elektro UG (haftungsbeschränkt)", "Brückner Elektro UG", "Lindenstraße 5", "63906", "Erlenbach"),
]
# (last name, first name, gender, degree, index of the organisation, function, as the list writes the last name)
PERSONS = [
    ("Heß", "Jürgen", "male", "", 0, "Geschäftsführer", "Hess"),
    ("Döring", "Käthe", "female", "", 1, "Prokuristin", "Doering"),
    ("Weiß", "Günther", "male", "", 5, "Inhaber", "Weiss"),
    ("Schäfer", "Björn", "male", "", 2, "Meister", "Schaefer"),
    ("Barth", "Ute", "female", "", 3, "Inhaberin", "Barth"),
    ("Großmann", "Jörg", "male", "", 4, "Vorsitzender", "Grossmann"),
    ("Müller", "Anneliese", "female", "", 6, "Geschäftsführerin", "Mueller"),
    ("Brückner", "Sören", "male", "", 7, "Elektromeister", "Brueckner"),
]

FIRST = ["Änne", "Jürgen", "Sören", "Björn", "Käthe", "Günther", "Jörg", "Lübbe", "Maximilian", "Sophie", "Grete",
         "Hans-Peter", "Marie-Luise", "Ötzi", "Ülkü", "Agnès", "Zoë", "Heinz", "Lena", "Tobias"]
LAST = ["Bäcker", "Faßbender", "Groß", "Hößl", "Kühn", "Löffler", "Mößner", "Nüßlein", "Pfäffle", "Rößler", "Schüßler",
        "Strauß", "Thüringer", "Völker", "Wächter", "Zöller", "Ébert", "Jäger", "Krämer", "Süß"]
NEW_ORGS = ["Spessart Bau GmbH", "Mainland Touristik e.V.", "Hofladen Süß e.K.", "Gärtnerei Grün GbR",
            "Energie Untermain AG", "Kühn & Partner OHG", "Schreinerei Hößl KG", "Landfrauen Mömbris e.V.",
            "Weinbau Thüngersheim eG", "Reisebüro Mainflair UG (haftungsbeschränkt)", "Fahrradwerk Klingenberg mbH",
            "Imkerei Faßbender", "Bio-Hof Sonnenwiese GmbH & Co. KG", "Dorfladen Röllbach e.V.",
            "Brauerei Faust KG", "Metzgerei Strauß e.K."]
TOWNS = [("63739", "Aschaffenburg"), ("63897", "Miltenberg"), ("63785", "Obernburg a. Main"), ("63776", "Mömbris"),
         ("63906", "Erlenbach a. Main"), ("97271", "Kleinrinderfeld"), ("63863", "Eschau"), ("63937", "Weilbach")]
STREETS = ["Hauptstraße", "Schloßgasse", "Mühlweg", "Am Bächle", "Grüner Weg", "Brückenstraße", "Römerstraße"]
FUNCTIONS = ["Geschäftsführer", "Vorsitzende", "Kassierer", "Schriftführerin", "Inhaber", "Prokurist", ""]
TAGS = ["Newsletter", "Wirtschaftsförderung", "Regionalmarkt", "Tourismus", ""]


@dataclass
class Seeded:
    organisations: list  # Organisation objects, in ORGANISATIONS order
    persons: list  # Person objects, in PERSONS order


def seed_contacts(session) -> Seeded:
    """The organisations and persons the lists contain again (complete addresses, business e-mails)."""
    from datetime import date

    from crm.contacts.models import Affiliation, Organisation, Person

    orgs = []
    for name, _variant, street, postcode, city in ORGANISATIONS:
        org = Organisation(name=name, kind="company", sector="economy", street=street, postcode=postcode, city=city)
        session.add(org)
        orgs.append(org)
    persons = []
    for i, (last, first, gender, degree, org_index, _function, _variant) in enumerate(PERSONS):
        org = orgs[org_index]
        person = Person(last_name=last, first_name=first, gender=gender, degree=degree,
                        street=f"{STREETS[i % len(STREETS)]} {i + 1}", postcode="63741", city="Aschaffenburg")
        session.add(person)
        session.add(Affiliation(person=person, organisation=org, is_primary=True, valid_from=date(2020, 1, 1),
                                street=org.street, postcode=org.postcode, city=org.city,
                                email=f"{fold_ascii(first)}.{fold_ascii(last)}@firma{org_index}.de".lower()))
        persons.append(person)
    session.commit()
    return Seeded(orgs, persons)


def fold_ascii(text: str) -> str:
    return (text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace("Ö", "Oe")
            .replace("Ü", "Ue").replace("ß", "ss").replace("é", "e").replace("è", "e").replace("ë", "e")
            .replace("É", "E").replace(" ", ""))


def make_rows(count: int, seed: int = 8) -> list[list[str]]:
    """`count` rows: every 10th a known person written differently (first with the full e-mail,
    then with postcode and town only), every 25th a row repeated, every 50th a broken e-mail."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    for i in range(count):
        if i % 10 == 3:
            k = (i // 10) % len(PERSONS)
            last, first, gender, _degree, org_index, function, variant = PERSONS[k]
            _name, org_variant, street, postcode, city = ORGANISATIONS[org_index]
            salutation = "Herr" if gender == "male" else "Frau"
            if (i // 10) % 2 == 0:  # ASCII spelling, the organisation's legal form written differently, no street
                rows.append([salutation, "", fold_ascii(first) if k % 4 == 2 else first, variant, function, org_variant,
                             "", postcode[:4] + "9", city, "", "", "Newsletter", ""])  # another postcode, no street
            else:  # with the e-mail address as stored
                email = f"{fold_ascii(first)}.{fold_ascii(last)}@firma{org_index}.de".lower()
                rows.append([salutation, "", first, last, function, org_variant, street, postcode, city, email, "",
                             "Regionalmarkt", "aus der Liste der Wirtschaftsförderung"])
            continue
        if i % 25 == 24 and rows:
            rows.append(list(rows[-5]))  # the same person twice in one list
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        postcode, city = rng.choice(TOWNS)
        org = rng.choice(NEW_ORGS) if rng.random() < 0.7 else ""
        if org and rng.random() < 0.3:  # the same new organisation, written another way
            org = org.replace(" e.V.", " eV").replace(" e.K.", " eK").replace("GmbH & Co. KG", "GmbH & Co.KG")
        email = f"{fold_ascii(first)}.{fold_ascii(last)}{i}@example.org".lower()
        if i % 50 == 17:
            email = f"{fold_ascii(first).lower()}@"  # broken: the row shows an error and is skipped
        phone = f"0{rng.choice(['6021', '6022', '9371'])} {rng.randint(10000, 99999)}"
        rows.append([rng.choice(["Herr", "Frau", ""]), rng.choice(["", "", "Dr.", "Dipl.-Ing."]), first, last,
                     rng.choice(FUNCTIONS) if org else "", org, f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
                     postcode, city, email, phone, rng.choice(TAGS), ""])
    return rows


def csv_bytes(rows: list[list[str]], encoding: str = "cp1252") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Adressen"
    ws.append(HEADER)
    for row in rows:
        ws.append([int(v) if v.isdigit() and len(v) == 5 and not v.startswith("0") else v for v in row])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()
