
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.core.concurrency import VersionField
from crm.core.converters import coerce_id, parse_ids
from crm.core.forms import MultiCheckboxField, strip_filter
from crm.core.once import OnceTokenForm
from crm.interactions.models import INTERACTION_KINDS

F = [strip_filter]


class IdListField(SelectMultipleField):
    """Ids chosen with a picker (hidden inputs); existence is checked by the service."""

    def pre_validate(self, form):
        pass

    def process_formdata(self, valuelist):
        self.data = parse_ids(valuelist)


class InteractionForm(OnceTokenForm):
    version = VersionField()  # optimistic locking: the version the form was loaded with
    occurred_at = DateTimeLocalField(_l("When"), format="%Y-%m-%dT%H:%M",
                                     validators=[DataRequired(_l("Please enter date and time."))])
    kind = SelectField(_l("Kind"), choices=list(INTERACTION_KINDS.items()), default="phone")
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Please enter a subject.")), Length(max=200)],
                          filters=F)
    results = TextAreaField(_l("Results"), filters=F, description=_l("What was agreed, learned or decided"))
    person_ids = IdListField(_l("Persons"), coerce=int)
    organisation_ids = IdListField(_l("Organisations"), coerce=int)
    fields_of_action = MultiCheckboxField(_l("Fields of action"), coerce=int)
    project_id = SelectField(_l("Project"), coerce=int, default=0)
    meeting_id = SelectField(_l("Meeting"), coerce=int, default=0)
    # Optional follow-up, created together with the interaction.
    followup_title = StringField(_l("Follow-up task"), validators=[Optional(), Length(max=200)], filters=F)
    followup_due = DateField(_l("Due on"), validators=[Optional()])
    followup_assignee = SelectField(_l("Assigned to"), coerce=int, default=0)

    def validate_occurred_at(self, field):
        if field.data and field.data.year < 1990:
            raise ValidationError(_l("Please check the date."))

    def validate_followup_due(self, field):
        if field.data and not self.followup_title.data:
            raise ValidationError(_l("Please give the follow-up task a title."))


class TaskForm(OnceTokenForm):
    title = StringField(_l("Task"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200)], filters=F)
    due_on = DateField(_l("Due on"), validators=[Optional()])
    assignee_id = SelectField(_l("Assigned to"), coerce=int, default=0)
    notes = TextAreaField(_l("Notes"), filters=F)
    person_id = SelectField(_l("Person"), coerce=coerce_id, default=0, validate_choice=False)
    organisation_id = SelectField(_l("Organisation"), coerce=coerce_id, default=0, validate_choice=False)
    project_id = SelectField(_l("Project"), coerce=int, default=0)


class DigestForm(FlaskForm):
    task_digest = BooleanField(_l("Send me a daily e-mail with my due and overdue tasks"))

