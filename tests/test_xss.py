"""XSS (issue 7, web hardening): 50 attack strings saved through the real form and API are
shown as plain text everywhere — list, detail page, edit form, search, a form shown again
with an error, error pages — and exported to Excel as literal text, never as a formula.

Every payload calls ``TXPWN``: the checker parses each page and fails when that name turns
up anywhere but inert text (an element's text, a form field's value, a JSON string in a
script, a link's query string).
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from conftest import csrf_token, login
from flask import Flask
from flask.testing import FlaskClient
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape
from openpyxl import load_workbook

from app.excel.cells import neutralise
from app.extensions import db
from app.scoping import system
from models.cobuild import Demand
from models.org import Community, Street

MARK = "txpwn"
PAYLOADS = [
    "<script>TXPWN()</script>",
    "<SCRIPT SRC=//evil.example/TXPWN.js></SCRIPT>",
    "<ScRiPt>TXPWN()</sCrIpT>",
    "<<script>TXPWN();//<</script>",
    "</script><script>TXPWN()</script>",
    "\"><script>TXPWN()</script>",
    "'><script>TXPWN()</script>",
    "</textarea><script>TXPWN()</script>",
    "</title><script>TXPWN()</script>",
    "<img src=x onerror=TXPWN()>",
    "<IMG SRC=\"javascript:TXPWN();\">",
    "<img src=x alt=TXPWN onerror=&#84;XPWN()>",
    "<img \"\"\"><script>TXPWN()</script>\">",
    "<img srcset=\",,,,x\" onerror=TXPWN()>",
    "<svg/onload=TXPWN()>",
    "<svg><script>TXPWN()</script></svg>",
    "<svg><a xlink:href=\"javascript:TXPWN()\"><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=TXPWN()>",
    "<body onload=TXPWN()>",
    "<iframe src=\"javascript:TXPWN()\"></iframe>",
    "<iframe srcdoc=\"<script>TXPWN()</script>\">",
    "<object data=\"javascript:TXPWN()\">",
    "<embed src=\"javascript:TXPWN()\">",
    "<a href=\"javascript:TXPWN()\">点我</a>",
    "<a href=\"&#x6A;avascript:TXPWN()\">点我</a>",
    "javascript:TXPWN()",
    "JaVaScRiPt:TXPWN()",
    "data:text/html;base64,PHNjcmlwdD5UWFBXTigpPC9zY3JpcHQ+TXPWN",
    "<input autofocus onfocus=TXPWN()>",
    "<details open ontoggle=TXPWN()>",
    "<marquee onstart=TXPWN()>x</marquee>",
    "<video><source onerror=TXPWN()></video>",
    "<div style=\"background:url(javascript:TXPWN())\">x</div>",
    "<style>@import'//evil.example/TXPWN.css';</style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:TXPWN()\">",
    "<base href=\"//evil.example/TXPWN/\">",
    "<form action=\"javascript:TXPWN()\"><button>x</button></form>",
    "<xss id=x tabindex=1 onfocus=TXPWN()></xss>",
    "\" onmouseover=\"TXPWN()",
    "' onfocus='TXPWN()' autofocus='",
    "\";TXPWN();//",
    "';TXPWN();//",
    "`-TXPWN()-`",
    "<!--<img src=\"--><img src=x onerror=TXPWN()//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=TXPWN()>\">",
    "&lt;script&gt;TXPWN()&lt;/script&gt;",
    "%3Cscript%3ETXPWN()%3C/script%3E",
    "＜script＞TXPWN()＜/script＞",
    "{{constructor.constructor('TXPWN()')()}}",
    "{{7*7}}${7*7}#{7*7}<%= 7*7 %>{% raw %}TXPWN",
]
#: attributes whose value may hold a payload as text (form values, tooltips, link queries)
TEXT_ATTRIBUTES = {"value", "title", "alt", "placeholder", "aria-label", "data-text",
                   "data-confirm", "data-original-title"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}


class _Checker(HTMLParser):
    """Collects every place a payload reached other than inert text."""

    #: elements whose content a browser (scripts on) does not read as text or tags
    CDATA_CONTENT_ELEMENTS = ("script", "style", "noscript", "iframe", "noembed", "noframes",
                              "xmp")

    def __init__(self, payloads: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.payloads = payloads
        self.problems: list[str] = []
        self.raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if MARK in tag.lower():
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if MARK in name.lower():
                self.problems.append(f"attribute {name} on <{tag}>")
            elif MARK in value.lower():
                if name in URL_ATTRIBUTES:
                    if not value.startswith(("/", "#", "?")) or value.startswith("//"):
                        self.problems.append(f"{name}={value!r} on <{tag}>")
                elif name not in TEXT_ATTRIBUTES:
                    self.problems.append(f"{name}={value!r} on <{tag}>")
        if tag in self.CDATA_CONTENT_ELEMENTS:
            self.raw = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in self.CDATA_CONTENT_ELEMENTS:
            self._end_raw(tag)

    def _end_raw(self, tag: str) -> None:
        if self.raw is None:
            return
        code = self.raw
        for payload in self.payloads:  # a payload in a script only as a JSON string
            code = code.replace(htmlsafe_json_dumps(payload), "")
            code = code.replace(htmlsafe_json_dumps(payload)[1:-1], "")
        if MARK in code.lower():
            self.problems.append(f"<{tag}> holds {self.raw[:200]!r}")
        self.raw = None

    def close(self) -> None:
        if self.raw is not None:  # a <script> or <style> never closed: the rest is its text
            self.raw += self.rawdata
        super().close()
        self._end_raw("script or style left open")

    def handle_data(self, data: str) -> None:
        if self.raw is not None:
            self.raw += data

    def handle_comment(self, data: str) -> None:
        if MARK in data.lower():
            self.problems.append(f"comment {data!r}")


def assert_inert(body: str, where: str, payloads: list[str] = PAYLOADS) -> None:
    """No payload in ``body`` can run: each stays text."""
    checker = _Checker(payloads)
    checker.feed(body)
    checker.close()
    assert not checker.problems, (where, checker.problems[:5])


def _flagged(page: str) -> bool:
    checker = _Checker([])
    checker.feed(page)
    checker.close()
    return bool(checker.problems)


def test_the_payloads_are_fifty_attacks_the_checker_catches() -> None:
    """Each payload, shown without escaping in some place of a page, is caught."""
    assert len(set(PAYLOADS)) == 50
    assert all(MARK in p.lower() for p in PAYLOADS)
    places = ("<div>{}</div>", '<input value="{}">', "<input value='{}'>",
              '<script>var x = "{}";</script>', "<a href='{}'>x</a>")
    for payload in PAYLOADS:
        assert any(_flagged(place.format(payload)) for place in places), payload
        if re.search(r"<[A-Za-z!/]", payload):  # it opens a tag
            assert _flagged(f"<div>{payload}</div>"), payload


@pytest.fixture(scope="module")
def saved(app: Flask) -> dict[str, Any]:
    """Every payload saved as a street (the add form) and a demand (the API)."""
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context(), system():
        street = Street(name="跨站街道")
        community = Community(name="跨站社区", street=street)
        db.session.add_all([street, community])
        db.session.commit()
        community_id = community.id
    token = csrf_token(admin, "/street/add")
    streets, demands = {}, {}
    for i, payload in enumerate(PAYLOADS):
        name = f"跨站{i:02d} {payload}"
        added = admin.post("/street/add", data={"name": name, "district": payload,
                                                "note": payload, "csrf_token": token})
        assert added.status_code == 302, (payload, added.get_data(as_text=True)[-2000:])
        made = admin.post("/api/v1/demand/", json={
            "title": f"跨站{i:02d} {payload}"[:120], "description": payload,
            "community": community_id})
        assert made.status_code == 201, (payload, made.json)
        demands[payload] = made.json["id"]
    with app.app_context(), system():
        for row in db.session.query(Street).filter(Street.name.like("跨站__ %")):
            streets[row.note] = row.id
    assert set(streets) == set(PAYLOADS)
    return {"client": admin, "streets": streets, "demands": demands, "token": token}


def test_saved_exactly_as_typed(app: Flask, saved: dict[str, Any]) -> None:
    with app.app_context(), system():
        for payload, pk in saved["streets"].items():
            row = db.session.get(Street, pk)
            assert (row.district, row.note) == (payload, payload)
        for payload, pk in saved["demands"].items():
            assert db.session.get(Demand, pk).description == payload


def test_list_pages_show_text(saved: dict[str, Any]) -> None:
    admin: FlaskClient = saved["client"]
    for url in ("/street/list/?_flt_2_name=%E8%B7%A8%E7%AB%99&psize_StreetView=100",
                "/demand/list/?_flt_2_title=%E8%B7%A8%E7%AB%99&psize_DemandView=100"):
        page = admin.get(url)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert_inert(body, url)
        assert body.count("跨站") >= 50, url


def test_detail_and_edit_pages_show_text(saved: dict[str, Any]) -> None:
    admin: FlaskClient = saved["client"]
    for payload, pk in saved["streets"].items():
        for url in (f"/street/show/{pk}", f"/street/edit/{pk}"):
            page = admin.get(url)
            assert page.status_code == 200, url
            body = page.get_data(as_text=True)
            assert_inert(body, url, [payload])
            assert str(escape(payload)) in body, url  # shown, as text
    for payload, pk in saved["demands"].items():
        body = admin.get(f"/demand/show/{pk}").get_data(as_text=True)
        assert_inert(body, f"demand {pk}", [payload])
        assert str(escape(payload)) in body, pk
    seven = saved["streets"][PAYLOADS[-1]]
    shown = admin.get(f"/street/show/{seven}").get_data(as_text=True)
    assert "{{7*7}}${7*7}#{7*7}" in shown and "49" not in shown.split("{{7*7}}")[1][:40]


def test_search_results_and_refused_forms_show_text(saved: dict[str, Any]) -> None:
    admin: FlaskClient = saved["client"]
    for payload in PAYLOADS:
        url = f"/street/list/?_flt_2_name={quote(payload, safe='')}"
        page = admin.get(url)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True), url, [payload])
        api = admin.get(f"/api/v1/street/?q=(filters:!((col:name,opr:ct,value:"
                        f"{quote(repr_rison(payload), safe='')})))")
        assert api.status_code == 200 and api.json["count"] >= 1, payload
        # the same name again: refused, and the form comes back with the input in it
        again = admin.post("/street/add", data={"name": f"跨站{PAYLOADS.index(payload):02d} "
                                                        f"{payload}", "note": payload,
                                                "csrf_token": saved["token"]})
        assert again.status_code == 200
        assert_inert(again.get_data(as_text=True), f"refused {payload}", [payload])


def repr_rison(text: str) -> str:
    """``text`` as a rison string."""
    return "'" + text.replace("!", "!!").replace("'", "!'") + "'"


def test_error_pages_show_no_input(saved: dict[str, Any]) -> None:
    admin: FlaskClient = saved["client"]
    for payload in PAYLOADS:
        for url in (f"/street/show/{quote(payload, safe='')}",
                    f"/no-such-page/{quote(payload, safe='')}",
                    f"/street/list/?psize_StreetView={quote(payload, safe='')}"):
            page = admin.get(url)
            assert page.status_code in (400, 404), url
            assert_inert(page.get_data(as_text=True), url, [payload])
        api = admin.get(f"/api/v1/street/?q={quote(payload, safe='')}")
        assert api.status_code == 400 and MARK not in str(api.json).lower(), payload


def test_excel_export_holds_literal_text(saved: dict[str, Any]) -> None:
    admin: FlaskClient = saved["client"]
    for url, column in (("/street/export/?_flt_2_name=%E8%B7%A8%E7%AB%99", "备注"),
                        ("/demand/export/?_flt_2_title=%E8%B7%A8%E7%AB%99", "描述")):
        response = admin.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows())
        assert not [c.coordinate for row in rows for c in row if c.data_type == "f"]
        header = [c.value for c in rows[0]]
        values = {row[header.index(column)].value for row in rows[1:]}
        assert {neutralise(p) for p in PAYLOADS} <= values, url


def test_values_are_shown_escaped_and_without_python_words() -> None:
    """The list and show pages' ``tx_show``: nothing for None, lists as 甲、乙, escaped."""
    from app.ui import show_value

    assert show_value(None) == ""
    assert str(show_value(["<b>甲</b>", "乙"])) == "&lt;b&gt;甲&lt;/b&gt;、乙"
    assert show_value("<i>") == "<i>"  # a single value is escaped by the template itself
    assert show_value(3) == 3
