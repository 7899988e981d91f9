"""The password policy (等保 2.0): one check for every path that sets a password.

At least 8 characters, three of the four kinds (lower case, upper case, digits,
symbols), not a common password, not containing the user name. :func:`problems` gives
the reason in the user's language, or ``None``. FAB's forms and its user API call it
through ``FAB_PASSWORD_COMPLEXITY_VALIDATOR`` (:func:`fab_validator`); the security
manager calls it again before storing any password (:class:`WeakPassword`); the
``tongxin`` console script calls it before creating an account.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import click
from flask import has_request_context, request
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
#: lower case, upper case, digits, symbols: a password needs this many of them
KINDS_NEEDED = 3
COMMON = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
#: the rules, as shown under a password field
HINT = _l("At least 8 characters with three of: lower-case letters, upper-case letters, "
          "digits, symbols; not a common password and not the user name.")


class WeakPassword(click.ClickException, ValueError):
    """A password the policy refuses; the message says why. A console command that meets
    it (FAB's ``flask fab create-admin`` / ``reset-password`` too) prints the message and
    exits with status 1."""


@cache
def common_passwords() -> frozenset[str]:
    """The refused common passwords, lower case."""
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def _kinds(password: str) -> int:
    return sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password)))


def problems(password: str, username: str | None = None) -> str | None:
    """Why ``password`` may not be used (for ``username``), or ``None`` if it may."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if _kinds(password) < KINDS_NEEDED:
        return _("The password must contain three of these: lower-case letters, "
                 "upper-case letters, digits, symbols.")
    if password.lower() in common_passwords():
        return _("This password is too common and easy to guess. Choose another one.")
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in password.lower():
        return _("The password must not contain the user name.")
    return None


def check(password: str, username: str | None = None) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be used."""
    message = problems(password, username)
    if message:
        raise WeakPassword(message)


def _username_in_request() -> str | None:
    """Whose password a FAB form or API call sets: the user name typed in the form or
    body, else the user whose password is reset (``?pk=``), else the signed-in user."""
    if not has_request_context():
        return None
    from flask import current_app
    from flask_login import current_user

    body = request.get_json(silent=True) if request.is_json else None
    typed = request.form.get("username") or (body or {}).get("username")
    if isinstance(typed, str) and typed:
        return typed
    pk = request.args.get("pk") or (request.view_args or {}).get("pk")
    if pk is not None and str(pk).isdigit():
        user = current_app.appbuilder.sm.get_user_by_id(int(pk))  # type: ignore[attr-defined]
        return getattr(user, "username", None)
    return getattr(current_user, "username", None)


def fab_validator(password: str) -> None:
    """``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: FAB shows the message beside the field."""
    message = problems(password, _username_in_request())
    if message:
        raise PasswordComplexityValidationError(message)
