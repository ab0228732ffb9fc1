"""Forms of the consent pages: the public newsletter sign-up, the office recording a consent, the
admin's consent texts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.campaigns.models import PURPOSES, REQUEST_CHANNELS, STAFF_CHANNELS
from crm.core.forms import email_address, strip_filter


class SignupForm(FlaskForm):
    first_name = StringField(_l("First name"), filters=[strip_filter], validators=[Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), filters=[strip_filter],
                            validators=[DataRequired(message=_l("Please enter your last name.")), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    email = StringField(_l("E-mail address"), filters=[strip_filter],
                        validators=[DataRequired(message=_l("Please enter your e-mail address.")), Length(max=254),
                                    email_address],
                        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"})
    consent = BooleanField(validators=[DataRequired(message=_l("Without your consent we cannot send you the "
                                                                "newsletter."))])


class ConsentRecordForm(FlaskForm):
    purpose = SelectField(_l("Purpose"), choices=list(PURPOSES.items()))
    channel = SelectField(_l("Given"), choices=[(k, REQUEST_CHANNELS[k]) for k in STAFF_CHANNELS])
    given_on = DateField(_l("Given on"), validators=[InputRequired(message=_l("Please give the date the consent "
                                                                              "was given."))])
    wording_version = StringField(_l("Version of the wording"), filters=[strip_filter],
                                  validators=[DataRequired(message=_l("Please give the version of the wording the "
                                                                      "person agreed to.")), Length(max=40)],
                                  description=_l("As printed on the form or read out on the phone."))
    note = StringField(_l("Note"), filters=[strip_filter], validators=[Optional(), Length(max=500)],
                       description=_l("E.g. where the signed form is filed."))


class WithdrawForm(FlaskForm):
    note = StringField(_l("Note"), filters=[strip_filter], validators=[Optional(), Length(max=500)])


class WordingForm(FlaskForm):
    purpose = SelectField(_l("Purpose"), choices=list(PURPOSES.items()))
    version = StringField(_l("Version"), filters=[strip_filter],
                          validators=[DataRequired(message=_l("Please give the version (e.g. the date of the text).")),
                                      Length(max=40)])
    text = TextAreaField(_l("Text"), filters=[strip_filter],
                         validators=[DataRequired(message=_l("Please enter the text of the consent.")),
                                     Length(max=4000)])
