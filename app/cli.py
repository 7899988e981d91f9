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


def _check_password(app, password: str, username: str | None) -> None:  # type: ignore[no-untyped-def]
    """Stop with the reason when ``password`` is against the password policy."""
    from app.passwords import problems

    with app.app_context():
        problem = problems(password, username)
    if problem:
        raise click.ClickException(f"密码不符合要求 / password refused: {problem}")


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
        _check_password(app, password, admin_user)
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
    _check_password(app, password, None)
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
@click.option("--workers", default=int(os.environ.get("TONGXIN_WORKERS", "2")),
              show_default=True, type=int)
def run(host: str, port: int, workers: int) -> None:
    _app()  # fail early, with a clear message, on a bad configuration
    click.echo(f"同心门户已启动 / Tongxin is running: http://{host}:{port}/")
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which(
        "gunicorn")
    if gunicorn:
        cmd = [gunicorn, "-c", "python:app.gunicorn_conf", "-w", str(workers),
               "-b", f"{host}:{port}"]
        raise SystemExit(subprocess.call(cmd))
    from app import create_app

    create_app().run(host=host, port=port)


@main.command(help="性能基准：与原版 FAB、Django admin 对比 / benchmark against stock FAB "
                   "and Django admin (tongxin bench --help)",
              context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    try:
        import django  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit("基准测试需要额外的包 / the benchmark needs its extras: "
                         "pip install -e '.[bench]'") from None
    from benchmarks import compare

    compare.main(list(args))


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


@main.command(name="audit-archive",
              help="把 180 天前的操作日志归档到文件 / archive audit entries older than 180 days")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="归档此日期（UTC）之前的记录，最晚为 180 天前 / archive entries before this day")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="归档文件目录，默认 <instance>/audit-archive / folder of the archive files")
def audit_archive(before: object, directory: str | None) -> None:
    from pathlib import Path

    from app.audit_archive import archive
    from app.integrity import UserFacingError
    from app.scoping import system

    app = _app()
    folder = Path(directory) if directory else Path(app.instance_path) / "audit-archive"
    with app.app_context(), system():
        try:
            done = archive(folder, before)  # type: ignore[arg-type]
        except UserFacingError as err:
            raise click.ClickException(str(err)) from None
    if done.path is None:
        click.echo("没有需要归档的记录 / nothing to archive")
    else:
        click.echo(f"已归档 {done.count} 条 / archived {done.count} entries: {done.path}\n"
                   f"SHA-256: {done.sha256}")


@main.command(name="backup", help="把数据库备份到一个文件 / back up the database to one file")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def backup_(path: str | None) -> None:
    from pathlib import Path

    from app import backup as backups
    from app import clock

    app = _app()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    target = Path(path) if path else backups.default_path(Path(app.instance_path), url, stamp)
    click.echo(f"正在备份 / backing up to: {target}")
    try:
        done = backups.backup(url, target)
    except backups.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"备份完成 / backup written: {done} ({done.stat().st_size} 字节 / bytes)")


@main.command(name="restore",
              help="用备份文件替换数据库的全部内容 / replace the database with a backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="不再确认 / do not ask for confirmation")
def restore_(path: str, yes: bool) -> None:
    from pathlib import Path

    from app import backup as backups

    app = _app()
    if not yes:
        click.confirm("当前数据库的全部数据将被备份替换，继续吗？/ "
                      "all data of the current database will be replaced; continue?", abort=True)
    click.echo(f"正在恢复 / restoring from: {path}")
    try:
        backups.restore(app.config["SQLALCHEMY_DATABASE_URI"], Path(path))
    except backups.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo("恢复完成；备份来自旧版本时请再运行 tongxin init / restored; if the backup "
               "is from an older version, run tongxin init")
