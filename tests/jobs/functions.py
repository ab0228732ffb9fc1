"""Job functions for the tests (importable by path, as enqueue needs)."""
from flask import url_for

from crm.extensions import db


def count_to(progress, n: int) -> str:
    for i in range(1, n + 1):
        progress.report(i, total=n)
        db.session.commit()
    return url_for("core.index", _external=True)


def stops_at(progress, n: int, stop_after: int) -> None:
    for i in range(1, n + 1):
        if i > stop_after or progress.should_stop():
            progress.stop("stopped at %d" % (i - 1))
            return
        progress.report(i, total=n)
        db.session.commit()


def breaks(progress) -> None:
    progress.report(1, total=2)
    db.session.commit()
    raise RuntimeError("Festplatte voll")


def live_to(progress, n: int) -> str:
    """Reports only live (as a job that is one transaction does); what it reported is kept at the end."""
    for i in range(1, n + 1):
        progress.report_live(i, n)
    return "fertig"
