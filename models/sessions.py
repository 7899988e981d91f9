"""登录会话: one row per sign-in through the login form, so a session can end on the server.

Flask's session lives in a signed cookie; this row is what makes logging out, an idle or
absolute timeout, a password change and a disabled account end it for good: the cookie
carries the row's random id, and ``app.sessions`` refuses a cookie whose row has ended.
A plain FAB ``Model`` like FAB's own tables (no screens, not in the audit log).
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import utcnow


class UserSession(Model):
    """A signed-in browser session of a user: when it began, was last used, ended."""

    __tablename__ = "user_session"

    #: the random token kept in the session cookie
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), index=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow,
                                                      nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    agent: Mapped[str | None] = mapped_column(String(200))
