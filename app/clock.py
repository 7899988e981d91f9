"""Dates where the users are: today in the portal's time zone, not the server's."""

from __future__ import annotations

import datetime as dt

from flask_babel import to_user_timezone


def now() -> dt.datetime:
    """The present moment in the portal's time zone."""
    return to_user_timezone(dt.datetime.now(dt.UTC))


def today() -> dt.date:
    """Today in the portal's time zone."""
    return now().date()
