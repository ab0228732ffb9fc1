from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from crm.core.concurrency import VersionField
from crm.core.forms import strip_filter
from crm.core.once import OnceTokenForm
from crm.interop.letters import LABEL_SHEETS
from crm.segments.models import RULES

F = [strip_filter]

# the business address first: what letters of a regional management mostly are
RULE_CHOICES = [(key, RULES[key]) for key in ("at_organisation", "person", "organisation")]


class LetterheadForm(FlaskForm):
    version = VersionField()
    sender_name = StringField(_l("Sender"), filters=F, validators=[DataRequired(_l("Please enter the sender.")),
                                                                    Length(max=200)])
    address = TextAreaField(_l("Address (one line each)"), filters=F, validators=[Length(max=1000)])
    return_line = StringField(_l("Return address line above the address field"), filters=F,
                              validators=[Length(max=200)])
    contact_person = StringField(_l("Contact person"), filters=F, validators=[Length(max=120)])
    phone = StringField(_l("Phone"), filters=F, validators=[Length(max=60)])
    email = StringField(_l("E-mail"), filters=F, validators=[Optional(), Email(_l("Please enter a valid e-mail"
                                                                                   " address.")), Length(max=254)])
    website = StringField(_l("Website"), filters=F, validators=[Length(max=200)])
    bank = TextAreaField(_l("Bank details"), filters=F, validators=[Length(max=500)])
    footer = TextAreaField(_l("Footer"), filters=F, validators=[Length(max=1000)])
    logo_file = FileField(_l("Logo (PNG or JPEG, at most 1 MB)"))  # not "logo": that is the stored image
    remove_logo = BooleanField(_l("Remove the logo"))


class TemplateUploadForm(FlaskForm):
    name = StringField(_l("Name"), filters=F, validators=[DataRequired(_l("Please give the template a name.")),
                                                          Length(max=200)])
    file = FileField(_l("Word document (.docx) with mail merge fields"),
                     validators=[FileRequired(_l("Please choose a file."))])


class LetterRunForm(OnceTokenForm):
    """What to write to whom; the recipients come from a Verteiler or from a selection (ids)."""

    segment_id = SelectField(_l("Mailing list"), coerce=int, default=0)
    ids = StringField(widget=None)  # a selection from a list, carried as "1,2,3"
    rule = RadioField(_l("Write to"), choices=RULE_CHOICES, default="at_organisation")
    template = SelectField(_l("Template"), default="builtin")
    letter_date = DateField(_l("Date of the letter"), validators=[DataRequired(_l("Please enter a date."))])
    subject = StringField(_l("Subject"), filters=F, validators=[DataRequired(_l("Please enter a subject.")),
                                                                Length(max=200)])
    body = TextAreaField(_l("Text"), filters=F, validators=[Length(max=20000)])
    closing = StringField(_l("Closing"), filters=F, default="Mit freundlichen Grüßen", validators=[Length(max=200)])
    signature = TextAreaField(_l("Signature (name and function, one per line)"), filters=F,
                              validators=[Length(max=500)])

    def letter_text(self):
        from crm.interop.letters import LetterText

        return LetterText(subject=self.subject.data or "", body=self.body.data or "",
                          closing=self.closing.data or "", signature=self.signature.data or "")


class LabelForm(FlaskForm):
    segment_id = SelectField(_l("Mailing list"), coerce=int, default=0)
    ids = StringField(widget=None)
    rule = RadioField(_l("Write to"), choices=RULE_CHOICES, default="at_organisation")
    sheet = SelectField(_l("Label sheet"), choices=[(key, sheet.name) for key, sheet in LABEL_SHEETS.items()],
                        default="zweckform-3474")
    start_position = IntegerField(_l("Start at label"), default=1,
                                  validators=[DataRequired(_l("Please enter the first free label.")),
                                              NumberRange(min=1, max=24, message=_l("Between 1 and the number of"
                                                                                    " labels on the sheet."))])
