from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional


class UploadForm(FlaskForm):
    file = FileField(_l("File (CSV, Excel .xlsx or vCard .vcf)"),
                     validators=[FileRequired(_l("Please choose a file."))])
    saved_mapping = SelectField(_l("Saved column assignment"), coerce=int, default=0)


class MappingForm(FlaskForm):
    """The column selects are rendered per column (col-<index>); this holds the rest."""

    save = BooleanField(_l("Save this assignment for later imports"))
    mapping_name = StringField(_l("Name of the assignment"), validators=[Optional(), Length(max=120)])


class ActionForm(FlaskForm):
    """Only the CSRF token; the per-row choices come as action-<row id> fields."""
