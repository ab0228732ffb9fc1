"""A background job as the pages see it: what it is, how far it got, who started it."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core.models import one_of, utcnow
from crm.extensions import db

JOB_STATUSES = {
    "queued": _l("Waiting"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "stopped": _l("Stopped"),
}
FINISHED = ("done", "failed", "stopped")


class Job(db.Model):
    """One run of a job function (`func_path`, called with `args`); `done`/`total` is its progress.

    `heartbeat_at` moves on with every progress report: a job "running" without a heartbeat for a
    while has lost its worker (killed, machine restarted) and may be resumed by the part that owns it.
    """

    __tablename__ = "job"
    __table_args__ = (one_of("status", JOB_STATUSES), Index("ix_job_started_by", "started_by_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # "campaign_send", later "import", "export" ...
    func_path: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    backend: Mapped[str] = mapped_column(String(10), default="thread")  # "rq", "thread" or "inline"
    base_url: Mapped[str] = mapped_column(String(300), default="")  # for links the job writes (mails)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # the job's own counts ({"sent": 12, "failed": 1})
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    started_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(JOB_STATUSES.get(self.status, self.status))

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == "done" else 0
        return min(100, int(100 * self.done / self.total))
