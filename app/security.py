"""The security manager: FAB's, with Chinese-first defaults. It answers policy questions only."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager

from app import security_views


class TongxinSecurityManager(SecurityManager):
    """Who the user is; the scope questions join here in the scope issue."""

    # FAB's security screens with Chinese labels (same class names, same permissions)
    userdbmodelview = security_views.UserDBModelView
    rolemodelview = security_views.RoleModelView
    groupmodelview = security_views.UserGroupModelView
    permissionmodelview = security_views.PermissionModelView
    viewmenumodelview = security_views.ViewMenuModelView
    permissionviewmodelview = security_views.PermissionViewModelView
    userstatschartview = security_views.UserStatsChartView
