"""The security manager: FAB's, with Chinese-first defaults. It answers policy questions only."""

from __future__ import annotations

import functools
from typing import Any

from flask import g, has_request_context, request
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Group, assoc_permissionview_role
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_login import current_user
from jwt.exceptions import PyJWTError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app import login_guard, passwords, scoping, security_views, sessions
from app.extensions import PREPARED
from models.org import PartnerUnit, SocialWorkStation
from models.users import TongxinUser, change_stamp

#: the database's counter of permission changes (``models.users.change_stamp``)
PERMISSION_STAMP = (select(change_stamp.c.value)
                    .where(change_stamp.c.name == "permissions").scalar_subquery())


#: the bound parameter of :func:`_user_query`: the user's id
USER_KEY = "tx_user"


@functools.cache
def _user_query(user: type, own_row: bool) -> Any:
    """The statement of :meth:`TongxinSecurityManager.get_user_by_id`, built once per
    process (the keys are bound when it runs): the user with its roles, groups and place,
    the permission counter and, with ``own_row``, the request's session row. PostgreSQL
    keeps it prepared on each connection (``app.extensions.PREPARED``)."""
    org = (PartnerUnit, SocialWorkStation)
    options = [joinedload(user.roles), joinedload(user.groups).joinedload(Group.roles),
               joinedload(user.community), joinedload(user.grids),
               joinedload(user.partner_unit).joinedload(org[0].communities),
               joinedload(user.station).joinedload(org[1].communities)]
    query = select(user, PERMISSION_STAMP).where(user.id == bindparam(USER_KEY))
    query = query.options(*options)
    return (sessions.with_own_row(query) if own_row else query).execution_options(
        **{PREPARED: True})


class TongxinSecurityManager(SecurityManager):
    """Who the user is and which organisation it works for."""

    user_model = TongxinUser

    # FAB's security screens with Chinese labels (same class names, same permissions)
    userdbmodelview = security_views.UserDBModelView
    rolemodelview = security_views.RoleModelView
    groupmodelview = security_views.UserGroupModelView
    permissionmodelview = security_views.PermissionModelView
    viewmenumodelview = security_views.ViewMenuModelView
    permissionviewmodelview = security_views.PermissionViewModelView
    userstatschartview = security_views.UserStatsChartView
    resetmypasswordview = security_views.ResetMyPasswordView
    resetpasswordview = security_views.ResetPasswordView

    def __init__(self, appbuilder: Any) -> None:
        super().__init__(appbuilder)
        #: role ids → (the permission counter when read, their permissions): this
        #: process's copy, used while the database's counter has not moved
        self._known_permissions: dict[tuple[int, ...],
                                      tuple[int, frozenset[tuple[str, str]]]] = {}

    def exist_permission_on_roles(self, view_name: str, permission_name: str,
                                  role_ids: list[int]) -> bool:
        """Whether one of ``role_ids`` holds ``permission_name`` on ``view_name``. Inside a
        request the roles' permissions are read once, in one query, and kept for the rest
        of the request: a page asks dozens of times (menu, buttons, cards)."""
        if not has_request_context():
            return bool(super().exist_permission_on_roles(view_name, permission_name,
                                                          role_ids))
        return (permission_name, view_name) in self.permissions_now(role_ids)

    def permissions_now(self, role_ids: Any) -> frozenset[tuple[str, str]]:
        """Every (permission, view) pair held by one of ``role_ids``, found once per
        request (call it inside a request): read from the database, or this process's
        copy when the permission counter read with the user (:meth:`get_user_by_id`)
        says nothing changed since that copy was read."""
        key = tuple(sorted(role_ids))
        known: dict[tuple[int, ...], frozenset[tuple[str, str]]] = g.setdefault(
            "tx_permissions", {})
        if key not in known:
            known[key] = self._permissions_at(key, g.get("tx_permission_stamp"))
        return known[key]

    def _permissions_at(self, role_ids: tuple[int, ...],
                        stamp: int | None) -> frozenset[tuple[str, str]]:
        """The permissions of ``role_ids`` while the counter reads ``stamp`` (read
        before them, so a copy is never older than its stamp)."""
        if stamp is None:  # no counter read in this request
            return self._permissions_of(role_ids)
        kept = self._known_permissions.get(role_ids)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        found = self._permissions_of(role_ids)
        self._known_permissions[role_ids] = (stamp, found)
        return found

    def _permissions_of(self, role_ids: tuple[int, ...]) -> frozenset[tuple[str, str]]:
        """Every (permission, view) pair held by one of ``role_ids``."""
        link = assoc_permissionview_role
        pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
        rows = self.session.execute(
            select(perm.name, view.name).select_from(pv)
            .join(link, link.c.permission_view_id == pv.id)
            .join(perm, perm.id == pv.permission_id)
            .join(view, view.id == pv.view_menu_id)
            .where(link.c.role_id.in_(role_ids)))
        return frozenset((p, v) for p, v in rows)

    def get_user_by_id(self, pk: Any) -> Any:
        """The user with what every request reads of it, in one query: its roles, its
        groups and their roles, and its place (unit, station, community, grids, with the
        communities they serve), which :func:`app.scoping.resolve` then finds loaded;
        the permission counter, kept for :meth:`permissions_now`; and the row of the
        request's own signed-in session, which :mod:`app.sessions` then finds loaded."""
        try:
            key = int(pk)  # FAB passes ids from addresses and forms as text too
        except (TypeError, ValueError):
            return None
        token = sessions.own_token(key)
        query = _user_query(self.user_model, own_row=token is not None)
        params = {USER_KEY: key} if token is None else {USER_KEY: key, sessions.OWN_ROW: token}
        with scoping.system():  # the binding is read whole, before any scope applies
            found = self.session.execute(query, params).unique().one_or_none()
        if found is None:
            return None
        sessions.hold_own_row(found)
        if has_request_context():
            g.tx_permission_stamp = found[1]
        return found[0]

    def auth_user_db(self, username: str, password: str) -> Any:
        """FAB's password check behind the lockout; every attempt goes to the audit log."""
        return login_guard.authenticate(self, username, password, super().auth_user_db)

    def add_user(self, username: str, first_name: str, last_name: str, email: str,
                 role: Any = None, password: str = "", hashed_password: str = "",
                 groups: Any = None, commit: bool = True) -> Any:
        """FAB's, refusing a password against the policy (raises ``WeakPassword``)."""
        if password and not hashed_password:
            passwords.check(password, username)
        return super().add_user(username, first_name, last_name, email, role=role,
                                password=password, hashed_password=hashed_password,
                                groups=groups, commit=commit)

    def reset_password(self, userid: Any, password: str) -> None:
        """FAB's, refusing a password against the policy (raises ``WeakPassword``)."""
        user = self.get_user_by_id(userid)
        passwords.check(password, getattr(user, "username", None))
        super().reset_password(userid, password)

    def request_user(self) -> Any:
        """The user of this request: the signed-in session, else a valid API token.

        A missing or bad token gives ``None`` here; the API's own check then answers 401.
        """
        if current_user.is_authenticated:
            return current_user
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return None
        try:
            verify_jwt_in_request(optional=True)
        except (JWTExtendedException, PyJWTError):
            return None
        return get_current_user()

    def is_admin(self, user: Any) -> bool:
        """Whether ``user`` holds the 系统管理员 role."""
        return bool(getattr(user, "is_authenticated", False)) and any(
            role.name == self.auth_role_admin for role in user.roles)

    def scope_of(self, user: Any) -> scoping.Scope:
        """Which rows ``user`` may see: everything for a 系统管理员, else its binding."""
        if user is None or not getattr(user, "is_authenticated", False):
            return scoping.NOTHING
        return scoping.resolve(self.session, user, self.is_admin(user))
