import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from crm.auth import throttle, twofactor
from crm.auth.forms import CodeForm, ConfirmPasswordForm, LoginForm, PasswordForm, TwoFactorSetupForm, UserForm
from crm.auth.models import User
from crm.auth.services import LoginRefused, authenticate, check_current_password, create_user, find_user
from crm.auth.throttle import minutes
from crm.core.audit import record_audit
from crm.core.converters import parse_id
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
        if user.two_factor_enabled:
            db.session.commit()
            session[PENDING] = {"user": user.id, "token": user.session_token, "remember": bool(form.remember.data),
                                "next": next_url if is_safe_redirect(next_url) else "", "since": int(time.time())}
            return redirect(url_for("auth.login_code"))
        return _finish_login(user, form.remember.data, next_url)
    return render_template("auth/login.html", form=form)


# The login's second step: who passed the password, kept in the (signed) session for a few minutes.
PENDING = "two_factor_login"
PENDING_SECONDS = 300


def _finish_login(user: User, remember: bool, next_url: str):
    session.pop(PENDING, None)
    login_user(user, remember=remember)
    db.session.commit()
    return redirect(next_url if is_safe_redirect(next_url) else url_for("core.index"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not isinstance(pending, dict) or time.time() - int(pending.get("since") or 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, parse_id(str(pending.get("user") or ""))) if pending.get("user") else None
    if user is None or not user.active or not user.two_factor_enabled or user.session_token != pending.get("token"):
        return None, {}
    return user, pending


@bp.route("/anmelden/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    """Second step of the login: the code of the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("The login has expired. Please enter your user name and password again."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        key = f"{user.id}:{user.username.lower()}"
        wait = throttle.code_failures.wait_seconds(key)
        if wait:
            form.code.errors.append(_("Too many wrong codes. Please try again in %(minutes)d minutes.",
                                      minutes=minutes(wait)))
            return render_template("auth/login_code.html", form=form)
        outcome = twofactor.verify(user, form.code.data)
        if outcome in ("totp", "recovery"):
            throttle.code_failures.clear(key)
            if outcome == "recovery":
                left = twofactor.unused_recovery_codes(user)
                flash(_("You logged in with a recovery code; %(count)d are left. Make new ones under "
                        "“Two-factor login” if you run short.", count=left), "warning")
            return _finish_login(user, pending.get("remember", False), pending.get("next", ""))
        db.session.rollback()
        throttle.code_failures.failed(key)
        if outcome == "reused":
            form.code.errors.append(_("This code has been used already. Please wait for the next code of your app."))
        else:
            form.code.errors.append(_("The code is wrong or has expired."))
    return render_template("auth/login_code.html", form=form)


@bp.before_app_request
def lead_admins_to_two_factor():
    """With TWO_FACTOR_REQUIRED_FOR_ADMINS an administrator without two-factor login sets it up first."""
    if (request.endpoint in TWO_FACTOR_FREE or not current_user.is_authenticated
            or current_user.two_factor_enabled or not twofactor.required_for(current_user)):
        return None
    if request.method == "GET":
        flash(_("As an administrator you need two-factor login. Please set it up now."), "warning")
    return redirect(url_for("auth.two_factor_setup"))


TWO_FACTOR_FREE = {"auth.two_factor_setup", "auth.two_factor", "auth.logout", "auth.login", "auth.login_code",
                   "static", "core.health", "core.set_language"}


@bp.get("/konto/zwei-faktor")
def two_factor():
    user = current_user._get_current_object()
    return render_template("auth/two_factor.html", user=user, confirm=ConfirmPasswordForm(),
                           left=twofactor.unused_recovery_codes(user) if user.two_factor_enabled else 0,
                           required=twofactor.required_for(user))


SETUP_SECRET = "two_factor_setup_secret"


@bp.route("/konto/zwei-faktor/einrichten", methods=["GET", "POST"])
def two_factor_setup():
    """A new secret on every visit (shown once as QR code); it is kept only after a first right code."""
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"))
    form = TwoFactorSetupForm()
    secret = session.get(SETUP_SECRET) if request.method == "POST" else None
    if form.validate_on_submit() and secret:
        codes = twofactor.enable(user, secret, form.code.data)
        if codes is not None:
            session.pop(SETUP_SECRET, None)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
        form.code.errors.append(_("The code does not match. Check the time of your phone and enter the code the app "
                                  "shows now."))
    elif request.method == "POST" and not secret:
        form.code.errors.append(_("The setup has expired. Please scan the new QR code."))
    if not secret or request.method == "GET":
        secret = session[SETUP_SECRET] = twofactor.new_secret()
    return render_template("auth/two_factor_setup.html", form=form, secret=twofactor.grouped_secret(secret),
                           qr=twofactor.qr_svg(twofactor.provisioning_uri(user, secret)),
                           required=twofactor.required_for(user))


def _password_confirmed(form) -> bool:
    refused = check_current_password(current_user, form.password.data)
    if refused and refused[0] == "throttled":
        flash(_("Too many wrong attempts. Please try again in %(minutes)d minutes.", minutes=minutes(refused[1])),
              "danger")
    elif refused:
        flash(_("The current password is wrong."), "danger")
    return refused is None


@bp.post("/konto/zwei-faktor/neue-codes")
def two_factor_new_codes():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if not user.two_factor_enabled or not form.validate_on_submit() or not _password_confirmed(form):
        return redirect(url_for("auth.two_factor"))
    codes = twofactor.new_recovery_codes(user)
    record_audit("user", user.id, "recovery_codes", {}, label=user.audit_label())
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, first=False)


@bp.post("/konto/zwei-faktor/ausschalten")
def two_factor_off():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if twofactor.required_for(user):
        flash(_("Administrators must keep two-factor login."), "danger")
        return redirect(url_for("auth.two_factor"))
    if user.two_factor_enabled and form.validate_on_submit() and _password_confirmed(form):
        twofactor.disable(user)
        db.session.commit()
        flash(_("Two-factor login is switched off."), "success")
    return redirect(url_for("auth.two_factor"))


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


@bp.post("/benutzer/<id:user_id>/zwei-faktor-zuruecksetzen")
@role_required("admin")
def user_reset_two_factor(user_id: int):
    """For a user who lost the phone and the recovery codes: 2FA off, every session ended."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit() and user.two_factor_enabled:
        twofactor.disable(user, "two_factor_reset")
        user.end_sessions()
        db.session.commit()
        if user.id == current_user.id:
            _stay_logged_in(user)
        flash(_("Two-factor login of “%(name)s” has been reset; the user sets it up again at the next login.",
                name=user.display_name), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))


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


@bp.get("/aenderungen")
@role_required("admin")
def audit_search():
    """The audit trail for administrators: by user, period, record type and action, page by page."""
    from datetime import date, datetime, timedelta
    from datetime import time as clock_time

    from crm.core import audit
    from crm.core.registry import current_registry
    from crm.core.time import region_zone

    def day(key):
        try:
            return date.fromisoformat(request.args.get(key, ""))
        except ValueError:
            return None

    registry = current_registry()
    who = request.args.get("benutzer", "")
    user_id = parse_id(who)
    start, end = day("von"), day("bis")
    entity_type = request.args.get("typ", "")
    entity_type = entity_type if entity_type in registry.entities else ""
    action = request.args.get("aktion", "")
    action = action if action in registry.actions else ""
    problem = None
    if start and end and end < start:
        problem = _("The end of the period lies before its start; please correct it.")
    zone = region_zone()
    stmt = audit.search(
        user_id=user_id, system=who == "system",
        start=datetime.combine(start, clock_time.min, tzinfo=zone) if start else None,
        end=datetime.combine(end + timedelta(days=1), clock_time.min, tzinfo=zone) if end else None,
        entity_type=entity_type, action=action)
    page = db.paginate(stmt, per_page=50, max_per_page=200) if problem is None else None
    user_options = [("", _("all")), ("system", _("System (commands, jobs)"))] + [
        (str(u.id), u.display_name) for u in db.session.scalars(select(User).order_by(User.username))]
    types = sorted(((key, str(label)) for key, label in registry.entities.items()), key=lambda pair: pair[1].lower())
    actions = sorted(((key, str(label)) for key, label in registry.actions.items()), key=lambda pair: pair[1].lower())
    return render_template("auth/audit_search.html", page=page, user_options=user_options, types=types, actions=actions,
                           who=who, start=start, end=end, entity_type=entity_type, action=action, problem=problem)
