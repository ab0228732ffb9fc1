"""Forms of the campaign pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.campaigns.campaign_models import CAMPAIGN_CHANNELS
from crm.core.forms import email_address, strip_filter
from crm.core.once import OnceTokenForm

F = [strip_filter]


class CampaignForm(OnceTokenForm):
    segment_id = SelectField(_l("Target group (mailing list)"), coerce=int, default=0)
    rule = RadioField(_l("Write to"), default="at_organisation")
    channel = RadioField(_l("Channel"), choices=list(CAMPAIGN_CHANNELS.items()), default="email")
    purpose = SelectField(_l("Purpose (consent)"), default="newsletter")
    subject = StringField(_l("Subject"), filters=F, validators=[DataRequired(_l("Please enter a subject.")),
                                                                Length(max=200)])
    body = TextAreaField(_l("Text"), filters=F, validators=[DataRequired(_l("Please write the text of the "
                                                                            "campaign.")), Length(max=50000)])
    sender_name = StringField(_l("Sender name"), filters=F, validators=[Length(max=200)])
    sender_email = StringField(_l("Sender e-mail (replies go here)"), filters=F,
                               validators=[Optional(), email_address, Length(max=254)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("Attachment"), validators=[FileRequired(_l("Please choose a file."))])


class ResumeForm(FlaskForm):
    failed = BooleanField(_l("Also send again to those the mail server refused"))
    interrupted = BooleanField(_l("Also send to those whose e-mail was interrupted (they may get it twice)"))
