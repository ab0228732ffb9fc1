"""Who may use the letter routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "letters.run_list": ("viewer", "GET"),
    "letters.run_detail": ("viewer", "GET"),
    "letters.run_create": ("staff", "GET POST"),
    "letters.run_docx": ("staff", "GET"),
    "letters.run_pdf": ("staff", "GET"),
    "letters.run_pdf_create": ("staff", "POST"),
    "letters.templates": ("staff", "GET POST"),
    "letters.template_download": ("staff", "GET"),
    "letters.template_archive": ("staff", "POST"),
    "letters.letterhead": ("admin", "GET POST"),
    "letters.letterhead_logo": ("viewer", "GET"),
    "letters.labels": ("staff", "GET POST"),
}


def url_values(fixture):
    from datetime import date

    from crm.extensions import db
    from crm.letters.models import Letterhead, LetterRun, LetterTemplate
    from tests.interop.word_files import png, serienbrief

    template = LetterTemplate(name="Sweep", filename="sweep.docx", content=serienbrief(), fields=["Briefanrede"],
                              size=1)
    from crm.contacts.salutation import Addressee
    from crm.interop import letters

    document = letters.builtin_letters(letters.Letterhead(organisation="LAG"), letters.LetterText("Sweep", "Text"), [
        letters.merge_values(Addressee(gender="female", last_name="Roth", street="Weg 1", postcode="63820",
                                       city="Elsenfeld"), letter_date=date(2026, 12, 2))])
    run = LetterRun(subject="Sweep", letter_date=date(2026, 12, 2), rule="person", document=document,
                    filename="sweep.docx")
    db.session.add_all([template, run, Letterhead(sender_name="LAG", logo=png(), logo_type="image/png")])
    db.session.commit()
    return {"run_id": run.id, "template_id": template.id}
