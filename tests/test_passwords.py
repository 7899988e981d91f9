"""The password policy (等保 2.0, issue 7) on every path that sets a password: the rules
and their Chinese messages, the user form, an administrator's reset, a user's own reset,
the security manager behind any other caller, and the ``tongxin`` console script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PASSWORD, bound_user, csrf_token, login
from flask import Flask
from flask.testing import FlaskClient

from app.cli import main
from app.passwords import WeakPassword, common_passwords, problems
from app.scoping import system
from models.roles import COMMUNITY

TOO_SHORT = "密码至少需要 8 个字符。"
TOO_PLAIN = "密码须包含小写字母、大写字母、数字、符号中的至少三类。"
TOO_COMMON = "该密码过于常见，容易被猜中，请换一个。"
HAS_NAME = "密码不能包含用户名。"


def test_the_rules_and_their_messages(app: Flask) -> None:
    with app.test_request_context("/"):
        assert problems("Ab#1234") == TOO_SHORT
        assert problems("abcdefgh12") == TOO_PLAIN
        assert problems("ABCDEFGH!!") == TOO_PLAIN
        for common in ("P@ssw0rd", "Passw0rd!", "Admin@123", "Aa123456", "QQ123456",
                       "WOAINI1314", "Woaini@1314", "1qaz@WSX"):
            assert problems(common) in (TOO_COMMON, TOO_PLAIN), common
        assert problems("P@SSW0RD") == TOO_COMMON  # compared without regard to case
        assert problems("Zhang#wei2026", "zhangwei") is None
        assert problems("Zhangwei#2026", "zhangwei") == HAS_NAME
        for good in (PASSWORD, "Init#Pass2026", "Demo#Pass2026", "社区Gov#2026", "k8#Lm2qx"):
            assert problems(good, "admin") is None, good
    assert len(common_passwords()) >= 300
    assert {"woaini1314", "qq123456", "aa123456", "p@ssw0rd", "admin@123"} <= \
        common_passwords()


def _user_form(client: FlaskClient, username: str, password: str) -> str:
    token = csrf_token(client, "/users/add")
    role = re.search(r'<option value="(\d+)">社区工作者</option>',
                     client.get("/users/add").get_data(as_text=True))
    assert role
    response = client.post("/users/add", data={
        "first_name": "测试", "last_name": "用户", "username": username, "active": "y",
        "email": f"{username}@tongxin.test", "roles": role.group(1), "password": password,
        "conf_password": password, "csrf_token": token})
    return response.get_data(as_text=True) if response.status_code == 200 else ""


def _exists(app: Flask, username: str) -> bool:
    with app.app_context(), system():
        return app.appbuilder.sm.find_user(username=username) is not None  # type: ignore[attr-defined]


def test_the_user_form_refuses_a_weak_password(app: Flask, admin_client: FlaskClient
                                               ) -> None:
    page = _user_form(admin_client, "pw_form", "Admin@123")
    # the message stands in the password field's cell, under the policy as its hint
    cell = re.search(r'id="password".*?</td>', page, re.S)
    assert cell and TOO_COMMON in cell.group(0) and "至少 8 位" in cell.group(0)
    assert not _exists(app, "pw_form")
    assert HAS_NAME in _user_form(admin_client, "pw_form", "Pw_form#2026")
    assert not _exists(app, "pw_form")
    assert _user_form(admin_client, "pw_form", PASSWORD) == ""  # saved, redirected
    assert _exists(app, "pw_form")


def _logs_in(app: Flask, username: str, password: str) -> bool:
    client = app.test_client()
    token = csrf_token(client, "/login/")
    client.post("/login/", data={"username": username, "password": password,
                                 "csrf_token": token})
    with client.session_transaction() as session:
        return session.get("_user_id") is not None


def test_resetting_a_password_follows_the_policy(app: Flask, admin_client: FlaskClient
                                                 ) -> None:
    with app.app_context(), system():
        bound_user(app, "pw_reset", COMMUNITY)
        pk = app.appbuilder.sm.find_user(username="pw_reset").id  # type: ignore[attr-defined]
    url = f"/resetpassword/form?pk={pk}"
    refused = admin_client.post(url, data={"password": "qq123456", "conf_password": "qq123456",
                                           "csrf_token": csrf_token(admin_client, url)})
    assert refused.status_code == 200 and TOO_PLAIN in refused.get_data(as_text=True)
    refused = admin_client.post(url, data={"password": "Pw_Reset1", "conf_password": "Pw_Reset1",
                                           "csrf_token": csrf_token(admin_client, url)})
    assert HAS_NAME in refused.get_data(as_text=True)

    own = app.test_client()
    login(own, "pw_reset")
    url = "/resetmypassword/form"
    assert "至少 8 位" in own.get(url).get_data(as_text=True)  # the rules are shown
    refused = own.post(url, data={"password": "Ab#1", "conf_password": "Ab#1",
                                  "csrf_token": csrf_token(own, url)})
    assert refused.status_code == 200 and TOO_SHORT in refused.get_data(as_text=True)
    assert _logs_in(app, "pw_reset", PASSWORD)  # nothing was changed

    good = "Gut#Passwort26"
    changed = own.post(url, data={"password": good, "conf_password": good,
                                  "csrf_token": csrf_token(own, url)})
    assert changed.status_code == 302
    assert _logs_in(app, "pw_reset", good) and not _logs_in(app, "pw_reset", PASSWORD)


def test_the_security_manager_refuses_weak_passwords(app: Flask) -> None:
    """Any other caller (FAB's ``flask fab create-admin``/``reset-password`` …)."""
    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    with app.app_context(), system():
        with pytest.raises(WeakPassword, match="过于常见"):
            sm.add_user("pw_sm", "测试", "用户", "pw_sm@tongxin.test",
                        sm.find_role(COMMUNITY), password="Passw0rd!")
        assert sm.find_user(username="pw_sm") is None
        bound_user(app, "pw_sm", COMMUNITY)
        user = sm.find_user(username="pw_sm")
        with pytest.raises(WeakPassword, match="至少需要 8 个字符"):
            sm.reset_password(user.id, "Ab#1")
    assert _logs_in(app, "pw_sm", PASSWORD)


def test_fabs_console_commands_refuse_weak_passwords(app: Flask) -> None:
    from flask_appbuilder.cli import create_admin, reset_password

    with app.app_context(), system():
        bound_user(app, "pw_fab", COMMUNITY)
    runner = app.test_cli_runner()
    result = runner.invoke(reset_password, ["--username", "pw_fab", "--password", "Admin@123"])
    assert result.exit_code == 1 and TOO_COMMON in result.output
    assert _logs_in(app, "pw_fab", PASSWORD)
    result = runner.invoke(create_admin, [
        "--username", "pw_fab_admin", "--firstname", "测试", "--lastname", "管理员",
        "--email", "pw_fab_admin@tongxin.test", "--password", "boss1234"])
    assert result.exit_code == 1 and TOO_PLAIN in result.output
    assert not _exists(app, "pw_fab_admin")


def _cli(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, Path]:
    database = tmp_path / "cli.db"
    result = CliRunner().invoke(main, list(args), env={
        "TONGXIN_MODE": "test", "TONGXIN_INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "", **env})
    return result.exit_code, result.output, database


def test_the_console_script_refuses_a_weak_password(tmp_path: Path) -> None:
    code, output, database = _cli(tmp_path, "demo", TONGXIN_DEMO_PASSWORD="woaini1314")
    assert code != 0 and "密码不符合要求" in output and TOO_PLAIN in output
    assert not database.exists()  # refused before anything was written

    code, output, database = _cli(tmp_path, "init", "--admin-user", "chief",
                                  TONGXIN_ADMIN_PASSWORD="Chief#2026")
    assert code != 0 and HAS_NAME in output and "Traceback" not in output
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM ab_user")).scalar() == 0
    engine.dispose()
    code, output, _ = _cli(tmp_path, "init", "--admin-user", "chief",
                           TONGXIN_ADMIN_PASSWORD="Kopf#Stein2026")
    assert code == 0, output


def test_new_hashes_take_8_mib_and_old_ones_still_log_in(app: Flask) -> None:
    """Passwords are hashed with scrypt N=2^13, r=8, p=4 (werkzeug's default cost, a
    quarter of its memory); a password hashed the old way (N=2^15, p=1) still logs in."""
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from models.users import TongxinUser

    with app.app_context(), system():
        bound_user(app, "hash_new", COMMUNITY)
        user = db.session.query(TongxinUser).filter_by(username="hash_new").one()
        assert user.password.startswith("scrypt:8192:8:4$")
        user.password = generate_password_hash(PASSWORD, method="scrypt:32768:8:1")
        db.session.commit()
    client = app.test_client()
    login(client, "hash_new", PASSWORD)
    assert client.get("/").status_code == 200
