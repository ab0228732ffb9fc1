"""The user's API tokens (made, shown once, revoked) and the browsable API description."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from crm.api import tokens
from crm.api.models import ApiToken
from crm.api.openapi import spec
from crm.core.forms import ConfirmForm, FlaskForm
from crm.core.permissions import role_at_least
from crm.extensions import db

bp = Blueprint("api_access", __name__)


class TokenForm(FlaskForm):
    label = StringField(_l("Used by"), validators=[DataRequired(), Length(max=80)])
    scope = RadioField(_l("Access"), choices=[("read", _l("read only")), ("write", _l("read and write"))],
                       default="read")


def _page(new_secret=None, form=None):
    return render_template("api/access.html", form=form or TokenForm(),
                           tokens=tokens.active(current_user), new_secret=new_secret,
                           may_write=role_at_least(current_user, "staff"),
                           openapi_url=url_for("api.openapi", _external=True),
                           base_url=url_for("api.collection", name="persons", _external=True).rsplit("/", 1)[0])


@bp.get("/api-zugang")
def page():
    return _page()


@bp.post("/api-zugang/token")
def create_token():
    form = TokenForm()
    if not form.validate():
        flash(_("Name the program that uses the token (up to 80 characters) and choose the access."), "danger")
        return redirect(url_for("api_access.page"))
    scope = form.scope.data if role_at_least(current_user, "staff") else "read"
    row, secret = tokens.create(current_user, form.label.data, scope)
    db.session.commit()
    # Shown once, in this answer; only its hash is stored.
    return _page(new_secret={"label": row.label, "secret": secret, "scope": row.scope})


@bp.post("/api-zugang/token/<id:token_id>/widerrufen")
def revoke_token(token_id: int):
    form = ConfirmForm()
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id or row.revoked_at is not None:
        flash(_("This token no longer exists."), "warning")
    elif form.validate():
        tokens.revoke(row)
        db.session.commit()
        flash(_("The token for “%(label)s” no longer works.", label=row.label), "success")
    return redirect(url_for("api_access.page"))


@bp.get("/api/dokumentation")
def docs():
    return render_template("api/docs.html", spec=spec())
