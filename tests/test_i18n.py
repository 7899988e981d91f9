"""The UI speaks Chinese: every generated page, every security page and the API labels.

The pages are rendered by an app of its own (a fresh SQLite database holding only the
Chinese rows made here), so what the pages show is known exactly: the only data in Latin
letters is the admin's user name and e-mail address, which :data:`DATA` removes by value.
Any other Latin word outside :data:`ALLOWED` is an untranslated UI text and fails the test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from conftest import PASSWORD, login
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_appbuilder import ModelView
from flask_babel import force_locale
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, inspect

import models
from app import create_app, i18n
from app.bootstrap import ensure_admin, init_database
from views.generator import describe

#: WTForms 3.3 deprecations met while rendering, none about texts: FAB's QuerySelectField
#: (search, role and user forms) and DateTimeField (user search form), and plain tuples as
#: SelectField choices (the generator's choice columns).
pytestmark = [
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning"),
]

#: A Latin word: two letters or more.
WORD = re.compile(r"[A-Za-z]{2,}")
#: Words that may stay as they are on a Chinese page. "English" is the name of the other
#: language in the language menu; the others are names users know in Latin letters
#: (file formats and sizes among them: 照片（JPG、PNG）, 不超过 10 MB).
ALLOWED = frozenset({"English", "Excel", "ID", "API", "URL", "IP", "JSON", "HTTP",
                     "JPG", "PNG", "WEBP", "PDF", "kB", "MB"})
#: Data in Latin letters that the pages show: the admin's user name and e-mail address.
DATA = ("admin@tongxin.local", "admin")
#: Keys of the date-picker texts that are format patterns, not words.
FORMAT_KEYS = {"format", "titleFormat"}
TX_I18N = re.compile(r"window\.TX_I18N = (\{.*?\});</script>", re.S)
HTML_LANG = re.compile(r"<html[^>]*\blang=\"([^\"]+)\"")


# --------------------------------------------------------------------------- helpers


class _VisibleText(HTMLParser):
    """Text a user sees or hears: text outside <script>/<style>, a few attributes."""

    ATTRS = ("placeholder", "title", "alt", "data-placeholder", "aria-label")

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        self.chunks += [v for k in self.ATTRS if (v := values.get(k))]
        is_button = tag == "button" or (
            tag == "input" and values.get("type") in ("submit", "button", "reset"))
        if is_button and values.get("value"):
            self.chunks.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The visible chunks of ``html``."""
    parser = _VisibleText()
    parser.feed(html)
    return parser.chunks


def english_words(texts: list[str]) -> list[str]:
    """The Latin words of ``texts`` outside :data:`ALLOWED`, after removing :data:`DATA`."""
    found = []
    for text in texts:
        for value in DATA:
            text = text.replace(value, " ")
        found += [f"{w!r} in {text[:80]!r}" for w in WORD.findall(text) if w not in ALLOWED]
    return found


def _strings(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every string inside a JSON value, except under the keys ``skip``."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def zh_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app with its own database, holding only the rows this module makes."""
    folder = tmp_path_factory.mktemp("i18n")
    application = create_app({"mode": "test", "instance_dir": str(folder),
                              "database_url": f"sqlite:///{folder / 'i18n.db'}"})
    init_database(application)
    ensure_admin(application, "admin", PASSWORD)
    return application


@pytest.fixture(scope="module")
def zh_admin(zh_app: Flask) -> FlaskClient:
    client = zh_app.test_client()
    login(client)
    return client


class _Rows:
    """One row per model, made through the API as the admin, Chinese text only."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app
        self.made: dict[tuple[type, tuple[tuple[str, Any], ...]], int] = {}
        self.count = 0

    def _value(self, column: Any) -> Any:
        personal = {"phone": "13812345678", "id_number": "11010519491231002X"}
        if column.info.get("sensitive") in personal:
            return personal[column.info["sensitive"]]
        kind = column.type
        if isinstance(kind, Boolean):
            return True
        if isinstance(kind, DateTime):
            return "2026-11-23T01:30:00"
        if isinstance(kind, Date):
            return "2026-11-23"
        if isinstance(kind, Integer):
            return 12
        if isinstance(kind, Numeric | Float):
            return 1.5
        self.count += 1
        return f"国际化样例{self.count}"

    def pk(self, model: type, **fixed: Any) -> int:
        """The id of a row of ``model`` (made on first use) with the ``fixed`` values."""
        key = (model, tuple(sorted(fixed.items())))
        if key in self.made:
            return self.made[key]
        spec = describe(model)
        mapper = inspect(model)
        data: dict[str, Any] = {}
        for name in spec.form_columns:
            if name in fixed:
                data[name] = fixed[name]
            elif name in spec.relations:
                rel = spec.relations[name]
                kind = rel.info.get("dict_kind")
                target = self.pk(rel.mapper.class_, **({"kind": kind} if kind else {}))
                data[name] = [target] if rel.uselist else target
            elif name in spec.choices:
                data[name] = next(iter(spec.choices[name]))
            elif name in mapper.columns:
                data[name] = self._value(mapper.columns[name])
        if model.__name__ == "Redemption":  # needs a unit with points: made through the ORM
            self.made[key] = self._redemption()
            return self.made[key]
        if model.__readonly__:  # written by the system only: made through the ORM
            self.made[key] = self._insert(model, spec, data)
            return self.made[key]
        resp = self.client.post(f"/api/v1/{model.__resource__}/", json=data)
        assert resp.status_code == 201, f"{model.__name__} {data}: {resp.get_data(as_text=True)}"
        self.made[key] = resp.json["id"]
        return self.made[key]

    def _redemption(self) -> int:
        from app.extensions import db
        from app.points import post
        from app.scoping import system
        from models.org import PartnerUnit
        from models.points import Redemption, ShopItem

        with self.app.app_context(), system():
            unit = PartnerUnit(name="国际化兑换单位")
            item = ShopItem(name="国际化兑换商品", cost=1, stock=5)
            db.session.add_all([unit, item])
            db.session.flush()
            post(db.session, unit.id, 10, "国际化充值", street_id=None)
            row = Redemption(partner_unit=unit, item=item, quantity=1, note="国际化兑换")
            db.session.add(row)
            db.session.commit()
            return int(row.id)

    def _insert(self, model: type, spec: Any, data: dict[str, Any]) -> int:
        from app.extensions import db
        from app.scoping import system

        with self.app.app_context(), system():
            values = {}
            for name, value in data.items():
                rel = spec.relations.get(name)
                column = inspect(model).columns.get(name)
                if rel is None and column is not None and isinstance(column.type, DateTime):
                    values[name] = dt.datetime.fromisoformat(value)
                elif rel is None:
                    values[name] = value
                elif not rel.uselist:
                    values[name] = db.session.get(rel.mapper.class_, value)
            for column in inspect(model).columns:
                if not column.nullable and not column.primary_key and column.key not in values \
                        and column.default is None:
                    values[column.key] = self._value(column)
            row = model(**values)
            db.session.add(row)
            db.session.commit()
            return int(row.id)


@pytest.fixture(scope="module")
def rows(zh_admin: FlaskClient) -> dict[type, int]:
    """model → id of its Chinese sample row."""
    maker = _Rows(zh_admin, zh_admin.application)
    return {model: maker.pk(model) for model in models.registry()}


def model_pages(rows: dict[type, int]) -> list[str]:
    urls = []
    for model, pk in rows.items():
        res = model.__resource__
        urls += [f"/{res}/list/", f"/{res}/show/{pk}"]
        if not model.__readonly__:
            urls += [f"/{res}/add", f"/{res}/edit/{pk}"]
    return urls


def security_pages(app: Flask) -> list[str]:
    """FAB's security screens, by endpoint (the same class names as FAB's)."""
    sm = app.appbuilder.sm
    with app.test_request_context():
        admin = sm.find_user(username="admin")
        role = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
        users, roles = "UserDBModelView", "RoleModelView"
        return [
            url_for(f"{users}.list"), url_for(f"{users}.add"),
            url_for(f"{users}.show", pk=admin.id), url_for(f"{users}.edit", pk=admin.id),
            url_for(f"{users}.userinfo"),
            url_for(f"{roles}.list"), url_for(f"{roles}.add"),
            url_for(f"{roles}.show", pk=role.id), url_for(f"{roles}.edit", pk=role.id),
            url_for("UserGroupModelView.list"), url_for("UserGroupModelView.add"),
            url_for("PermissionModelView.list"), url_for("ViewMenuModelView.list"),
            url_for("PermissionViewModelView.list"),
            url_for("ResetMyPasswordView.this_form_get"),
            url_for("ResetPasswordView.this_form_get", pk=admin.id),
            url_for("UserInfoEditView.this_form_get"),
            url_for("UserStatsChartView.chart"),
        ]


def assert_chinese_page(url: str, html: str) -> None:
    lang = HTML_LANG.search(html)
    assert lang and lang.group(1) == "zh-CN", f"{url}: <html lang> is not zh-CN"
    words = english_words(visible_text(html))
    assert not words, f"{url} shows English: " + "; ".join(words)
    scripts = TX_I18N.search(html)
    assert scripts, f"{url}: no window.TX_I18N"
    words = english_words(list(_strings(json.loads(scripts.group(1)), FORMAT_KEYS)))
    assert not words, f"{url}: script texts in English: " + "; ".join(words)


# --------------------------------------------------------------------------- pages


def test_every_generated_page_is_chinese(zh_admin: FlaskClient, rows: dict[type, int]) -> None:
    for url in ["/", "/dashboard/", "/dashboard/report/", *model_pages(rows)]:
        resp = zh_admin.get(url)
        assert resp.status_code == 200, url
        assert_chinese_page(url, resp.get_data(as_text=True))


def test_every_security_page_is_chinese(zh_app: Flask, zh_admin: FlaskClient,
                                        rows: dict[type, int]) -> None:
    for url in security_pages(zh_app):
        resp = zh_admin.get(url)
        assert resp.status_code == 200, url
        assert_chinese_page(url, resp.get_data(as_text=True))


def test_error_pages_are_chinese(zh_admin: FlaskClient, rows: dict[type, int]) -> None:
    model = next(iter(rows))
    for url in ("/no-such-page/", f"/{model.__resource__}/show/987654321"):
        resp = zh_admin.get(url)
        assert resp.status_code == 404, url
        assert_chinese_page(url, resp.get_data(as_text=True))


def test_login_page_and_failed_login_are_chinese(zh_app: Flask) -> None:
    client = zh_app.test_client()
    page = client.get("/login/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_chinese_page("/login/", html)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    failed = client.post("/login/", data={"username": "admin", "password": "wrong",
                                          "csrf_token": token.group(1)},
                         follow_redirects=True)
    text = failed.get_data(as_text=True)
    assert "用户名或密码错误" in text
    assert_chinese_page("/login/ (failed)", text)


def test_flash_after_saving_is_chinese(zh_admin: FlaskClient, rows: dict[type, int]) -> None:
    zh_admin.get("/street/list/")  # where the form goes back to after saving
    form = zh_admin.get("/street/add").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token
    saved = zh_admin.post("/street/add", data={"name": "国际化闪现街道",
                                               "csrf_token": token.group(1)},
                          follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "新增成功" in html
    assert_chinese_page("/street/add (saved)", html)


def test_dates_and_booleans_are_formatted(zh_app: Flask, zh_admin: FlaskClient,
                                          rows: dict[type, int]) -> None:
    for model, pk in rows.items():
        html = zh_admin.get(f"/{model.__resource__}/show/{pk}").get_data(as_text=True)
        if any(isinstance(c.type, DateTime) for c in inspect(model).columns):
            assert re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d\b", html), model.__name__
        assert not re.search(r"\d\d:\d\d:\d\d", html), f"{model.__name__}: raw time shown"

    views = {v.datamodel.obj: v for v in zh_app.appbuilder.baseviews
             if isinstance(v, ModelView)}
    with zh_app.test_request_context(), force_locale("zh"):
        for model in rows:
            view = views[model]
            for column in inspect(model).columns:
                fmt = view.formatters_columns.get(column.key)
                if isinstance(column.type, DateTime):
                    assert fmt(dt.datetime(2026, 11, 23, 1, 30)) == "2026-11-23 09:30"
                    assert fmt(None) == ""
                elif isinstance(column.type, Date) and column.info.get("due"):
                    assert "2026-11-23" in fmt(dt.date(2026, 11, 23))  # past due: flagged
                    assert "已逾期" in fmt(dt.date(2026, 11, 23))
                elif isinstance(column.type, Date):
                    assert fmt(dt.date(2026, 11, 23)) == "2026-11-23"
                elif isinstance(column.type, Boolean):
                    assert (fmt(True), fmt(False), fmt(None)) == ("是", "否", "")


def test_api_labels_and_titles_are_chinese(zh_admin: FlaskClient,
                                           rows: dict[type, int]) -> None:
    for model, pk in rows.items():
        base = f"/api/v1/{model.__resource__}"
        info = zh_admin.get(f"{base}/_info").json
        listing = zh_admin.get(f"{base}/").json
        item = zh_admin.get(f"{base}/{pk}").json
        texts = [info["add_title"], info["edit_title"], listing["list_title"],
                 item["show_title"], *listing["label_columns"].values(),
                 *item["label_columns"].values()]
        for column in (*info["add_columns"], *info["edit_columns"]):
            texts += [column["label"], column["description"]]
        for filters in info.get("filters", {}).values():
            texts += [f["name"] for f in filters]
        words = english_words(texts)
        assert not words, f"{base}: English in the API: " + "; ".join(words)


def test_switching_to_english_works(zh_app: Flask) -> None:
    client = zh_app.test_client()
    login(client)
    assert "街道列表" in client.get("/street/list/").get_data(as_text=True)
    client.get("/lang/en")
    html = client.get("/street/list/").get_data(as_text=True)
    assert "Street list" in html
    assert HTML_LANG.search(html).group(1) == "en"  # type: ignore[union-attr]
    scripts = json.loads(TX_I18N.search(html).group(1))  # type: ignore[union-attr]
    assert scripts["datepicker"]["today"] == "Today" and scripts["noResults"] == \
        "No results found"
    assert client.get("/api/v1/street/_info?_l_=en").json["add_title"] == "Add Street"
    client.get("/lang/zh")
    html = client.get("/street/list/").get_data(as_text=True)
    assert "街道列表" in html
    assert json.loads(TX_I18N.search(html).group(1))["datepicker"]["today"] == "今天"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- catalogues


def _catalogue(path: Path, locale: str | None = None) -> Any:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def test_template_is_up_to_date_with_the_sources() -> None:
    in_code = {m.id for m in i18n.collect() if m.id}
    in_pot = {m.id for m in _catalogue(i18n.POT) if m.id}
    assert not in_code - in_pot, (
        f"texts missing from messages.pot (run `tongxin i18n extract`): "
        f"{sorted(in_code - in_pot)}")
    assert not in_pot - in_code, f"stale texts in messages.pot: {sorted(in_pot - in_code)}"


def test_chinese_catalogue_is_complete() -> None:
    template = {m.id for m in _catalogue(i18n.POT) if m.id}
    zh = _catalogue(i18n.po_path("zh"), "zh")
    entries = {m.id: m for m in zh if m.id}
    assert not template - set(entries), f"not in zh: {sorted(template - set(entries))}"
    assert not [i for i, m in entries.items() if not m.string], "untranslated zh entries: " + \
        str(sorted(i for i, m in entries.items() if not m.string))
    assert not [i for i, m in entries.items() if m.fuzzy], "fuzzy zh entries: " + \
        str(sorted(i for i, m in entries.items() if m.fuzzy))
    problems = [(m.id, [str(e) for e in errors]) for m, errors in zh.check()]
    assert not problems, f"zh entries with wrong placeholders: {problems}"
    en = _catalogue(i18n.po_path("en"), "en")
    assert template <= {m.id for m in en if m.id}, "en catalogue is behind the template"


def test_catalogues_compile_when_missing_or_stale(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for locale in i18n.LOCALES:
        target = tmp_path / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(i18n.po_path(locale), target / "messages.po")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    assert i18n.stale_locales() == i18n.LOCALES  # no .mo yet
    assert len(i18n.compile_if_stale()) == len(i18n.LOCALES)
    assert i18n.stale_locales() == ()
    earlier = i18n.po_path("zh").stat().st_mtime - 10
    os.utime(i18n.mo_path("zh"), (earlier, earlier))  # the .po was edited after compiling
    assert i18n.stale_locales() == ("zh",)

    from app.cli import main

    result = CliRunner().invoke(main, ["i18n", "compile"])
    assert result.exit_code == 0, result.output
    assert i18n.stale_locales() == ()
