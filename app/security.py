"""The security manager: FAB's, with Chinese-first defaults. It answers policy questions only."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager


class TongxinSecurityManager(SecurityManager):
    """Who the user is; the scope questions join here in the scope issue."""
