from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from crm.auth.forms import LoginForm, PasswordForm, UserForm
from crm.auth.models import User
from crm.auth.services import LoginRefused, authenticate, check_current_password, create_user, find_user
from crm.auth.throttle import minutes
from crm.core.audit import record_audit
from crm.core.forms import ConfirmForm
from crm.core.permissions import role_required
from crm.core.urls import is_safe_redirect
from crm.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    next_url = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count
            if refused.reason == "throttled":
                flash(_("Too many failed attempts. Please try again in %(minutes)d minutes.",
                        minutes=minutes(refused.wait_seconds)), "danger")
            elif refused.reason == "inactive":
                flash(_("This account is deactivated."), "danger")
            else:
                flash(_("User name or password is wrong."), "danger")
            return render_template("auth/login.html", form=form), 200
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return redirect(next_url if is_safe_redirect(next_url) else url_for("core.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/abmelden")
def logout():
    # Sessions live in signed cookies: only a new token ends a copied one, so logging out
    # ends the user's sessions on every device.
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    flash(_("You have been logged out on all devices."), "info")
    response = redirect(url_for("auth.login"))
    # Nothing of the contacts stays in this browser: the check-in's offline guest list (Cache
    # Storage, IndexedDB) and its service worker are removed by the browser itself.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/konto/passwort", methods=["GET", "POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        refused = check_current_password(current_user, form.current.data)
        if refused and refused[0] == "throttled":
            form.current.errors.append(_("Too many wrong attempts. Please try again in %(minutes)d minutes.",
                                         minutes=minutes(refused[1])))
        elif refused:
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.password.data)  # ends every other session
            db.session.commit()
            _stay_logged_in(user)
            flash(_("Your password has been changed. Other sessions have been ended."), "success")
            return redirect(url_for("core.index"))
    return render_template("auth/password.html", form=form)


def _stay_logged_in(user: User) -> None:
    """After the user's own token changed: this session (and its remember cookie) go on."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remember)


@bp.get("/benutzer")
@role_required("admin")
def user_list():
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("auth/users.html", users=users)


@bp.route("/benutzer/neu", methods=["GET", "POST"])
@role_required("admin")
def user_create():
    form = UserForm()
    if form.validate_on_submit():
        if find_user(form.username.data):
            form.username.errors.append(_("This user name is taken."))
        elif not form.password.data:
            form.password.errors.append(_("Please set a password."))
        else:
            create_user(
                form.username.data, form.password.data, role=form.role.data, full_name=form.full_name.data or "",
                email=form.email.data or "", locale=form.locale.data, active=form.active.data,
            )
            db.session.commit()
            flash(_("User created."), "success")
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/benutzer/<id:user_id>/bearbeiten", methods=["GET", "POST"])
@role_required("admin")
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        other = find_user(form.username.data)
        if other is not None and other.id != user.id:
            form.username.errors.append(_("This user name is taken."))
        elif user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            flash(_("You cannot take away your own administrator rights."), "danger")
        else:
            if form.role.data != user.role or form.active.data != user.active:
                user.end_sessions()  # new rights (or none) from the next request on
            user.username = form.username.data.strip()
            user.full_name = form.full_name.data or ""
            user.email = form.email.data or ""
            user.role = form.role.data
            user.locale = form.locale.data
            user.active = form.active.data
            if form.password.data:
                user.set_password(form.password.data)
                user.failed_logins = 0
            db.session.commit()
            if user.id == current_user.id:
                _stay_logged_in(user)
            flash(_("User saved."), "success")
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_form.html", form=form, user=user, confirm=ConfirmForm())


@bp.post("/benutzer/<id:user_id>/sitzungen-beenden")
@role_required("admin")
def user_end_sessions(user_id: int):
    """Every session and remember cookie of the user stops working, on every device."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        user.end_sessions()
        record_audit("user", user.id, "end_sessions", {}, label=user.audit_label())
        db.session.commit()
        if user.id == current_user.id:
            _stay_logged_in(user)
        flash(_("All sessions of “%(name)s” have been ended; the next request asks for the login again.",
                name=user.display_name), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))
