"""The campaign pages: list, draft (who gets what, test e-mail, attachments), sending with its progress,
per-contact status; on the blueprint of crm/campaigns/consent_views.py."""
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.campaigns import campaigns as services
from crm.campaigns.campaign_forms import AttachmentForm, CampaignForm, ResumeForm
from crm.campaigns.campaign_models import RECIPIENT_STATUSES, Campaign, CampaignAttachment
from crm.campaigns.consent_views import bp
from crm.core.converters import parse_id
from crm.core.errors import DomainError, committing, saving
from crm.core.forms import ConfirmForm
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit, role_required
from crm.extensions import db
from crm.interop.letters import MERGE_FIELDS
from crm.jobs import services as jobs
from crm.letters import services as letters
from crm.segments import services as segments


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _detail_url(campaign) -> str:
    return url_for("campaigns.campaign_detail", campaign_id=campaign.id)


@bp.get("/kampagnen")
@role_required("viewer")
def campaign_list():
    rows = services.campaigns()
    return render_template("campaigns/campaign_list.html", campaigns=rows,
                           counts=services.counts_for([c.id for c in rows]))


def _choices(form: CampaignForm) -> None:
    form.segment_id.choices = [(0, _("— choose a mailing list —"))] + [
        (s.id, s.name) for s in segments.list_segments()]
    form.rule.choices = services.rule_choices()
    form.purpose.choices = [(key, str(label)) for key, label in services.purposes().items()]


def _form_page(form: CampaignForm, campaign: Campaign | None):
    return render_template("campaigns/campaign_form.html", form=form, campaign=campaign, fields=MERGE_FIELDS)


@bp.route("/kampagnen/neu", methods=["GET", "POST"])
@can_edit
def campaign_create():
    form = CampaignForm()
    _choices(form)
    if request.method == "GET":
        form.segment_id.data = parse_id(request.args.get("segment")) or 0
        head = letters.letterhead()
        form.sender_name.data = head.sender_name
        form.sender_email.data = head.email
        form.body.data = "{Briefanrede}\n\n\n\nMit freundlichen Grüßen\n" + (head.contact_person or "")
    if (done := replay(form, Campaign, _detail_url)) is not None:
        return done
    if form.validate_on_submit():
        with saving(form) as saved:
            campaign = services.save_campaign(None, form.data, current_user)
            remember_creation(form, campaign)
        if saved:
            flash(_("Campaign “%(subject)s” saved as a draft. Check who gets it, then send.",
                    subject=campaign.subject), "success")
            return redirect(_detail_url(campaign))
    return _form_page(form, None)


@bp.route("/kampagnen/<id:campaign_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def campaign_edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    if not campaign.is_draft:
        flash(_("The campaign has been sent; it can no longer be changed."), "warning")
        return redirect(_detail_url(campaign))
    form = CampaignForm(obj=campaign)
    _choices(form)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.save_campaign(campaign, form.data, current_user)
        if saved:
            flash(_("Campaign saved."), "success")
            return redirect(_detail_url(campaign))
    return _form_page(form, campaign)


@bp.get("/kampagnen/<id:campaign_id>")
@role_required("viewer")
def campaign_detail(campaign_id: int):
    campaign = _campaign(campaign_id)
    context = {"campaign": campaign, "confirm": ConfirmForm(), "attachment_form": AttachmentForm(),
               "resume_form": ResumeForm(), "limit_mb": services.attachments_limit() // 1024 // 1024,
               "purpose_label": str(services.purposes().get(campaign.purpose, campaign.purpose))}
    if campaign.is_draft:
        try:
            plan = services.plan(campaign)
            context.update(plan=plan, sample=services.sample(campaign, plan))
        except DomainError as error:
            context.update(plan=None, problem=error.message)
        context["queue_problem"] = jobs.queue_problem()
    else:
        status = request.args.get("status") or None
        if status not in RECIPIENT_STATUSES:
            status = None
        job = services.current_job(campaign)
        context.update(
            counts=services.counts(campaign), job=job, running=services.is_running(campaign),
            interrupted=job is not None and jobs.is_interrupted(job),
            can_resume=services.can_resume(campaign), status_filter=status,
            statuses=RECIPIENT_STATUSES,
            page=services.recipients_page(campaign, status, max(1, parse_id(request.args.get("page")) or 1)),
            may_watch=job is not None and jobs.may_see(job, current_user),
            queue_problem=jobs.queue_problem() if job is not None and job.status == "queued" else "",
        )
    return render_template("campaigns/campaign_detail.html", **context)


@bp.post("/kampagnen/<id:campaign_id>/loeschen")
@can_edit
def campaign_delete(campaign_id: int):
    campaign = _campaign(campaign_id)
    subject = campaign.subject
    with committing() as done:
        services.delete_draft(campaign)
    if done:
        flash(_("Draft “%(subject)s” deleted.", subject=subject), "success")
        return redirect(url_for("campaigns.campaign_list"))
    return redirect(_detail_url(campaign))


@bp.post("/kampagnen/<id:campaign_id>/anhaenge")
@can_edit
def attachment_add(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        with committing() as done:
            attachment = services.add_attachment(campaign, upload.filename or "", upload.read())
        if done:
            flash(_("“%(name)s” attached.", name=attachment.filename), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(_detail_url(campaign) + "#anhaenge")


def _attachment(campaign_id: int, attachment_id: int) -> CampaignAttachment:
    attachment = db.session.get(CampaignAttachment, attachment_id)
    if attachment is None or attachment.campaign_id != campaign_id:
        abort(404)
    return attachment


@bp.get("/kampagnen/<id:campaign_id>/anhaenge/<id:attachment_id>")
@role_required("viewer")
def attachment_download(campaign_id: int, attachment_id: int):
    attachment = _attachment(campaign_id, attachment_id)
    response = Response(attachment.content, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = \
        f"attachment; filename*=UTF-8''{quote(attachment.filename.replace(chr(34), ''), safe='')}"
    return response


@bp.post("/kampagnen/<id:campaign_id>/anhaenge/<id:attachment_id>/entfernen")
@can_edit
def attachment_remove(campaign_id: int, attachment_id: int):
    attachment = _attachment(campaign_id, attachment_id)
    name = attachment.filename
    with committing() as done:
        services.remove_attachment(attachment)
    if done:
        flash(_("“%(name)s” removed.", name=name), "success")
    return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign_id) + "#anhaenge")


@bp.post("/kampagnen/<id:campaign_id>/test")
@can_edit
def campaign_test(campaign_id: int):
    campaign = _campaign(campaign_id)
    with committing() as done:
        address = services.send_test(campaign, current_user)
    if done:
        flash(_("Test e-mail sent to %(address)s.", address=address), "success")
    return redirect(_detail_url(campaign))


@bp.post("/kampagnen/<id:campaign_id>/senden")
@can_edit
def campaign_send(campaign_id: int):
    campaign = _campaign(campaign_id)
    with committing() as done:
        services.start_sending(campaign, current_user)
    if done:
        flash(_("The campaign is being sent; the progress shows below."), "success")
    return redirect(_detail_url(campaign))


@bp.post("/kampagnen/<id:campaign_id>/anhalten")
@can_edit
def campaign_stop(campaign_id: int):
    campaign = _campaign(campaign_id)
    with committing() as done:
        services.stop(campaign)
    if done:
        flash(_("Stopping after the current message; you can resume the sending later."), "info")
    return redirect(_detail_url(campaign))


@bp.post("/kampagnen/<id:campaign_id>/fortsetzen")
@can_edit
def campaign_resume(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = ResumeForm()
    form.validate()
    with committing() as done:
        waiting = services.send_remaining(campaign, current_user, failed=bool(form.failed.data),
                                          interrupted=bool(form.interrupted.data))
    if done:
        flash(_("Sending goes on: %(count)s e-mails; nobody who got the campaign gets it again.", count=waiting),
              "success")
    return redirect(_detail_url(campaign))
