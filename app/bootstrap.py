"""Bring a database to a usable state: migrations, permissions, roles, the first admin."""

from __future__ import annotations

from flask import Flask, current_app
from flask_appbuilder.security.manager import BaseSecurityManager
from sqlalchemy import create_engine, text

from app import MIGRATIONS
from app.extensions import db
from app.policy import ADMIN, sync_roles
from app.scoping import system


def menu_names() -> dict[str, tuple[str, str]]:
    """resource → (menu entry name, menu group) of every registered model."""
    import models

    return {m.__resource__ or "": (m.__name__, m.__menu_group__) for m in models.registry()}


def bind_migrations(app: Flask) -> None:
    """Bind Flask-Migrate (Alembic) to ``app`` for the commands that migrate; a serving
    process never loads it (about 9 MiB and 80 ms per worker)."""
    from flask_migrate import Migrate

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)


def migrate_to(app: Flask, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (call inside ``app``'s context)."""
    from flask_migrate import upgrade

    bind_migrations(app)
    upgrade(directory=str(MIGRATIONS), revision=revision)


def init_database(app: Flask) -> list[str]:
    """Apply migrations, create permissions and built-in roles. Returns roles created."""
    with app.app_context(), system():
        migrate_to(app)
        return sync_security()


def sync_security() -> list[str]:
    """Permissions of every view, the admin and public roles, the built-in roles."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    known = {vm.name for vm in sm.session.query(sm.viewmenu_model)}
    BaseSecurityManager.create_db(sm)  # admin and public roles first: the admin
    appbuilder.add_permissions(update_perms=True)  # role then receives every permission
    new_views = {vm.name for vm in sm.session.query(sm.viewmenu_model)} - known
    return sync_roles(sm, menu_names(), new_views if known else set())


def ensure_admin(app: Flask, username: str, password: str) -> bool:
    """Create the 系统管理员 account ``username`` unless it exists. True if created."""
    with app.app_context(), system():
        sm = app.appbuilder.sm
        if sm.find_user(username=username) is not None:
            return False
        user = sm.add_user(username, "系统", "管理员", f"{username}@tongxin.local",
                           sm.find_role(ADMIN), password=password)
        if not user:
            raise RuntimeError("创建管理员失败 / could not create the admin user")
        return True


def wipe_postgres_schema(url: str) -> None:
    """Drop everything in the ``public`` schema of the PostgreSQL database at ``url``: for
    the throw-away databases of the test suite and the benchmarks, never a portal's own."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
