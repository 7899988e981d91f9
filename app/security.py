"""The security manager: FAB's, with Chinese-first defaults. It answers policy questions only."""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.manager import SecurityManager

from app import scoping, security_views
from models.users import TongxinUser


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

    def is_admin(self, user: Any) -> bool:
        """Whether ``user`` holds the 系统管理员 role."""
        return bool(getattr(user, "is_authenticated", False)) and any(
            role.name == self.auth_role_admin for role in user.roles)

    def scope_of(self, user: Any) -> scoping.Scope:
        """Which rows ``user`` may see: everything for a 系统管理员, else its binding."""
        if user is None or not getattr(user, "is_authenticated", False):
            return scoping.NOTHING
        return scoping.resolve(self.session, user, self.is_admin(user))
