from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from crm.auth.passwords import password_policy, password_rule
from crm.core.labels import ROLE_LABELS
from crm.core.permissions import ROLES

PASSWORD_RULE = LazyString(password_rule)

class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Stay logged in"))


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=2, max=80)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False)])
    # A new user starts with the least rights; an administrator raises them on purpose.
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in reversed(ROLES)], default="viewer")
    locale = SelectField(_l("Language"), choices=[("de", "Deutsch"), ("en", "English")])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("New password"), validators=[Optional(), password_policy("username")],
                             description=PASSWORD_RULE)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), password_policy()],
                             description=PASSWORD_RULE)
    confirm = PasswordField(
        _l("Repeat new password"), validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))]
    )


class CodeForm(FlaskForm):
    """The login's second step: the 6 digits of the app, or a recovery code."""
    code = StringField(_l("Code"), validators=[DataRequired(message=_l("Please enter the code.")), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text",
                                  "autocapitalize": "off", "spellcheck": "false"},
                       description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."))


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(message=_l("Please enter the code.")),
                                                              Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})


class ConfirmPasswordForm(FlaskForm):
    """Switching two-factor login off or making new recovery codes asks for the password again."""
    password = PasswordField(_l("Current password"), validators=[DataRequired()])
