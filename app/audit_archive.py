"""Archiving the audit log: entries older than 180 days move to a compressed file.

Nothing is dropped silently: the entries are written (JSON lines, gzip) and the file's
SHA-256 is stored beside it and in an "archive" entry of the log before the rows are
removed. The database itself refuses to remove an entry younger than 180 days (the
trigger of migration ``c7a1d1700001``); on PostgreSQL the app's role holds no DELETE
right on the table except inside the archiving transaction.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, text

from app import audit
from app.extensions import db
from app.integrity import UserFacingError
from models.audit import AuditEntry
from models.mixins import utcnow

#: entries are kept in the database at least this long
KEEP_DAYS = 180


@dataclass(frozen=True)
class Archive:
    """What one run archived: the file (None when nothing was old enough) and the count."""

    path: Path | None
    count: int
    sha256: str = ""


def archive(directory: Path, before: dt.datetime | None = None) -> Archive:
    """Move entries older than ``before`` (default and latest: 180 days ago) into a new
    file in ``directory``; commit."""
    cutoff = utcnow() - dt.timedelta(days=KEEP_DAYS)
    if before is not None and before > cutoff:
        raise UserFacingError(_("Audit entries are kept %(days)s days: only entries before "
                                "%(date)s can be archived.", days=KEEP_DAYS,
                                date=cutoff.date().isoformat()))
    cutoff = before or cutoff
    table = AuditEntry.__table__
    session = db.session
    last = session.scalar(select(func.max(table.c.id)).where(table.c.at < cutoff))
    if last is None:
        return Archive(None, 0)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-before-{cutoff:%Y%m%d}-{utcnow():%Y%m%d%H%M%S}.jsonl.gz"
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        rows = session.execute(select(table).where(table.c.at < cutoff, table.c.id <= last)
                               .order_by(table.c.id)).mappings()
        for row in rows:
            out.write(json.dumps({k: audit.plain(v) for k, v in row.items()},
                                 ensure_ascii=False) + "\n")
            count += 1
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # the right to delete exists only inside this transaction
        session.execute(text("GRANT DELETE ON audit_entry TO CURRENT_USER"))
    removed = session.execute(delete(table).where(table.c.at < cutoff, table.c.id <= last))
    if postgres:
        session.execute(text("REVOKE DELETE ON audit_entry FROM CURRENT_USER"))
    if removed.rowcount != count:
        session.rollback()
        raise UserFacingError(_("The audit log changed while it was archived; nothing was "
                                "removed. Please run the command again."))
    audit.record("archive", summary=_("%(count)s entries before %(date)s → %(file)s "
                                      "(SHA-256 %(sha)s)", count=count,
                                      date=cutoff.date().isoformat(), file=path.name,
                                      sha=digest))
    session.commit()
    return Archive(path, count, digest)
