"""The ``tongxin`` console script: init, demo, run, check, i18n."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click

from app.config import ConfigError

DEFAULT_DEMO_PASSWORD = "Tongxin@2026"


def _app(mode: str | None = None):  # type: ignore[no-untyped-def]
    from app import create_app

    try:
        return create_app({"mode": mode} if mode else None)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None


@click.group(help="同心 Tongxin 社区共建共治门户 / community co-governance portal")
def main() -> None:
    """Entry point."""


@main.command(help="应用数据库迁移，创建内置角色和第一个管理员 / migrate, create roles and admin")
@click.option("--admin-user", default="admin", show_default=True)
def init(admin_user: str) -> None:
    from app.bootstrap import ensure_admin, init_database

    app = _app()
    created = init_database(app)
    for role in created:
        click.echo(f"已创建角色 / role created: {role}")
    password = os.environ.get("TONGXIN_ADMIN_PASSWORD")
    with app.app_context():
        exists = app.appbuilder.sm.find_user(username=admin_user) is not None  # not scoped
    if not exists:
        if not password:
            if not sys.stdin.isatty():
                raise click.ClickException(
                    "请设置 TONGXIN_ADMIN_PASSWORD，或在终端中运行以输入密码。\n"
                    "Set TONGXIN_ADMIN_PASSWORD, or run in a terminal to type the password."
                )
            password = click.prompt("管理员密码 / admin password", hide_input=True,
                                    confirmation_prompt=True)
        ensure_admin(app, admin_user, password)
        click.echo(f"已创建管理员 / admin created: {admin_user}")
    click.echo("数据库已就绪 / database ready")


@main.command(help="初始化并载入演示数据（可重复运行）/ init plus demo data (idempotent)")
def demo() -> None:
    from app.bootstrap import ensure_admin, init_database
    from app.demo import load_demo

    os.environ.setdefault("TONGXIN_MODE", "demo")
    password = os.environ.get("TONGXIN_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    app = _app()
    init_database(app)
    ensure_admin(app, "admin", password)
    from app.scoping import system

    with app.app_context(), system():
        report = load_demo(password)
    click.echo(report)
    click.echo(f"\n演示账号密码 / demo password: {password}"
               + ("（默认值，可用 TONGXIN_DEMO_PASSWORD 修改）"
                  if "TONGXIN_DEMO_PASSWORD" not in os.environ else ""))


@main.command(help="启动门户 / serve the portal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def run(host: str, port: int, workers: int) -> None:
    _app()  # fail early, with a clear message, on a bad configuration
    click.echo(f"同心门户已启动 / Tongxin is running: http://{host}:{port}/")
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which(
        "gunicorn")
    if gunicorn:
        cmd = [gunicorn, "-w", str(workers), "-b", f"{host}:{port}", "--access-logfile", "-",
               "app:create_app()"]
        raise SystemExit(subprocess.call(cmd))
    from app import create_app

    create_app().run(host=host, port=port)


@main.command(help="检查模型元数据 / run the start-up checks")
def check() -> None:
    from app.checks import run_checks

    findings = run_checks()
    for finding in findings:
        click.echo(str(finding))
    if findings:
        raise SystemExit(1)
    click.echo("检查通过，未发现问题 / System check identified no issues.")


@main.group(help="界面翻译目录 / the message catalogues (translations/)")
def i18n() -> None:
    """``tongxin i18n extract|compile``."""


@i18n.command(help="提取界面文字并更新各语言目录 / extract texts, update the catalogues")
def extract() -> None:
    from app import i18n as catalogues

    template = catalogues.extract()
    click.echo(f"{catalogues.POT}: {len(template)} 条 / messages")
    for locale, missing in catalogues.update().items():
        click.echo(f"{catalogues.po_path(locale)}: {len(missing)} 条未翻译 / untranslated")


@i18n.command(name="compile", help="编译翻译目录（.po → .mo）/ compile the catalogues")
def compile_() -> None:
    from app import i18n as catalogues

    for path in catalogues.compile():
        click.echo(f"已编译 / compiled: {path}")
