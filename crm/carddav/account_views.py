"""The user's page for the phone: the server address, the address books, app passwords."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from crm.carddav import books, passwords
from crm.carddav.models import AppPassword
from crm.core.forms import ConfirmForm, FlaskForm
from crm.extensions import db

bp = Blueprint("addressbooks", __name__)


class AppPasswordForm(FlaskForm):
    label = StringField("Device", validators=[DataRequired(), Length(max=80)])


@bp.get("/adressbuecher")
def page(new_secret: dict | None = None):
    return render_template(
        "carddav/page.html", form=AppPasswordForm(), books=books.books_for(current_user),
        passwords=passwords.active(current_user), new_secret=new_secret,
        server=request.url_root.rstrip("/"), carddav_url=url_for("carddav.root", _external=True))


@bp.post("/adressbuecher/app-passwort")
def create_password():
    form = AppPasswordForm()
    if not form.validate():
        flash(_("Name the device, e.g. “iPhone” or “Thunderbird im Büro” (up to 80 characters)."), "danger")
        return redirect(url_for("addressbooks.page"))
    row, secret = passwords.create(current_user, form.label.data)
    db.session.commit()
    # Shown once, in this answer (not in a redirect's session cookie); only its hash is stored.
    return page(new_secret={"label": row.label, "secret": secret})


@bp.post("/adressbuecher/app-passwort/<id:password_id>/widerrufen")
def revoke_password(password_id: int):
    form = ConfirmForm()
    row = db.session.get(AppPassword, password_id)
    if row is None or row.user_id != current_user.id or row.revoked_at is not None:
        # Another user's or an already revoked one: nothing to do here (and nothing told about others).
        flash(_("This app password no longer exists."), "warning")
    elif form.validate():
        passwords.revoke(row)
        db.session.commit()
        flash(_("The app password for “%(label)s” no longer works.", label=row.label), "success")
    return redirect(url_for("addressbooks.page"))
