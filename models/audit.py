"""操作日志: one append-only row per event — who, when (UTC), from where, on what, result.

Rows are written by ``app.audit`` only (Core inserts, in the transaction of the change
they describe). The scope columns copy the place of the record concerned (or of the
user, for a login), so the log is searched through the same scope criteria as every
list: a community's staff see their community's entries. No foreign keys: an entry
outlives the rows and users it names.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import PlaceCopy, utcnow

#: Event kinds → labels.
KINDS = {
    "create": _l("Create"),
    "update": _l("Update"),
    "delete": _l("Delete"),
    "transition": _l("State change"),
    "restore": _l("Restore"),
    "purge": _l("Delete permanently"),
    "export": _l("Export"),
    "import": _l("Import"),
    "import_undo": _l("Undo import"),
    "reveal": _l("View full personal data"),
    "login": _l("Login"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logout"),
    "password": _l("Password change"),
    "permission": _l("Role or organisation change"),
    "archive": _l("Log archived"),
}

RESULTS = {"ok": _l("Succeeded"), "failed": _l("Failed"), "denied": _l("Refused")}


class AuditEntry(PlaceCopy, PortalModel):
    """操作日志."""

    __tablename__ = "audit_entry"
    __label__ = _l("Audit log")
    __resource__ = "auditentry"
    __menu_group__ = "settings"
    __icon__ = "fa-clipboard-list"
    __menu_order__ = 890
    __title_column__ = "summary"
    __readonly__ = True
    __append_only__ = True
    __audited__ = False
    __list_columns__ = ("at", "username", "ip", "kind", "resource_label", "record_id",
                        "summary", "result")
    __search_columns__ = ("at", "username", "ip", "kind", "resource_label", "record_id",
                          "result", "community", "partner_unit")
    __order__ = ("id", "desc")
    #: a user's and an address's recent logins (lockout, rate limit) are index ranges
    __table_args__ = (Index("ix_audit_entry_user_events", "username", "kind", "at"),
                      Index("ix_audit_entry_ip_events", "ip", "at"))


    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                            info=col(_l("Time")))
    user_id: Mapped[int | None] = mapped_column(Integer, index=True,
                                                info=col(_l("Operator id")))
    username: Mapped[str | None] = mapped_column(String(128), info=col(_l("Operator")))
    ip: Mapped[str | None] = mapped_column(String(45), info=col(_l("IP address")))
    kind: Mapped[str] = mapped_column(String(20), index=True,
                                      info=col(_l("Event"), choices=KINDS))
    resource: Mapped[str | None] = mapped_column(String(40), index=True,
                                                 info=col(_l("Record type code")))
    resource_label: Mapped[str | None] = mapped_column(String(60),
                                                       info=col(_l("Record type")))
    record_id: Mapped[int | None] = mapped_column(Integer, index=True,
                                                  info=col(_l("Record number")))
    summary: Mapped[str | None] = mapped_column(String(300), info=col(_l("Summary")))
    #: JSON: {column: [before, after]} (personal data masked); shown by ``app.audit``
    changes: Mapped[str | None] = mapped_column(
        Text, info=col(_l("Changed fields"), formatter="app.audit:format_changes"))
    result: Mapped[str] = mapped_column(String(10), default="ok",
                                        info=col(_l("Result"), choices=RESULTS))
