from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.core.concurrency import VersionField
from crm.core.forms import strip_filter
from crm.core.once import OnceTokenForm
from crm.segments.models import CHANNELS, RULES, SEGMENT_KINDS

F = [strip_filter]


class SegmentForm(OnceTokenForm):
    version = VersionField()
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=200)], filters=F)
    description = TextAreaField(_l("Description"), filters=F)
    kind = RadioField(_l("Kind"), choices=list(SEGMENT_KINDS.items()), default="dynamic")
    # The conditions as JSON (crm/segments/facets.py), kept up to date by segments.js.
    filter = HiddenField()
    # Members for a new fixed list made from a selection ("1,2,3").
    person_ids = HiddenField()
    organisation_ids = HiddenField()


class RecipientsForm(FlaskForm):
    """The rule and channel a Verteiler's recipients are shown with (GET, no CSRF)."""

    class Meta:
        csrf = False

    regel = SelectField(_l("Write to"), choices=list(RULES.items()), default="person")
    kanal = SelectField(_l("Channel"), choices=list(CHANNELS.items()), default="")
