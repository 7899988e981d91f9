"""One test per start-up check id, on throw-away models (no database needed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.checks import ChecksFailed, raise_on_errors, run_checks
from models.meta import PortalOptions, col
from models.stats import CURRENT, Stat


class Base(PortalOptions, DeclarativeBase):
    """A base outside the real registry, so these models never reach the app."""


class Parent(Base):
    __tablename__ = "chk_parent"
    __label__ = _l("Street")
    __resource__ = "chkparent"
    __list_columns__ = ("name",)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), info=col(_l("Name")))


def make(name: str, **options: Any) -> type:
    """A small valid model, with ``options`` overriding its declarations."""
    attrs: dict[str, Any] = {
        "__tablename__": f"chk_{name.lower()}",
        "__label__": _l("Community"),
        "__resource__": name.lower(),
        "__list_columns__": ("name",),
        "__annotations__": {"id": Mapped[int], "name": Mapped[str]},
        "id": mapped_column(primary_key=True),
        "name": mapped_column(String(20), info=col(_l("Name"))),
    }
    attrs.update(options)
    return type(name, (Base,), attrs)


def ids(model: type) -> list[str]:
    return [f.id for f in run_checks([Parent, model])]


def test_valid_model_has_no_findings() -> None:
    assert ids(make("Fine")) == []


def test_shipped_models_are_clean() -> None:
    assert run_checks() == []
    raise_on_errors()  # does not raise


def test_e001_model_without_label() -> None:
    assert ids(make("NoLabel", __label__=None)) == ["tongxin.E001"]


def test_e002_column_without_label() -> None:
    model = make("Bare", __annotations__={"id": Mapped[int], "name": Mapped[str],
                                          "extra": Mapped[str]},
                 extra=mapped_column(String(20)))
    findings = run_checks([model])
    assert [f.id for f in findings] == ["tongxin.E002"]
    assert findings[0].obj == "Bare.extra"


def test_e002_relationship_without_label() -> None:
    model = make(
        "RelNoLabel",
        __annotations__={"id": Mapped[int], "name": Mapped[str], "parent_id": Mapped[int]},
        parent_id=mapped_column(Integer, ForeignKey("chk_parent.id"), info=col(_l("Street"))),
        parent=relationship(Parent),
    )
    assert ids(model) == ["tongxin.E002"]


def test_e003_listed_column_missing() -> None:
    findings = run_checks([make("Missing", __list_columns__=("name", "nope"))])
    assert [f.id for f in findings] == ["tongxin.E003"]
    assert "'nope'" in findings[0].message


def test_e003_order_column_missing() -> None:
    assert ids(make("BadOrder", __order__=("nope", "asc"))) == ["tongxin.E003"]


def test_e004_scope_key_missing() -> None:
    assert ids(make("NoKey", __scope_keys__=("community_id",))) == ["tongxin.E004"]


def test_e004_scope_column_not_declared() -> None:
    model = make(
        "Undeclared",
        __annotations__={"id": Mapped[int], "name": Mapped[str], "street_id": Mapped[int]},
        street_id=mapped_column(Integer, index=True, info=col(_l("Street"), scope=True)),
    )
    assert ids(model) == ["tongxin.E004"]


def test_e005_scope_key_not_indexed() -> None:
    model = make(
        "Unindexed",
        __scope_keys__=("street_id",),
        __annotations__={"id": Mapped[int], "name": Mapped[str], "street_id": Mapped[int]},
        street_id=mapped_column(Integer, info=col(_l("Street"), scope=True)),
    )
    assert ids(model) == ["tongxin.E005"]


def test_e006_unknown_menu_group() -> None:
    assert ids(make("Lost", __menu_group__="nowhere")) == ["tongxin.E006"]


def test_e007_bad_resource_name() -> None:
    assert ids(make("Shouty", __resource__="Bad-Name")) == ["tongxin.E007"]


def test_e008_duplicate_resource_name() -> None:
    first, second = make("DupA", __resource__="dup"), make("DupB", __resource__="dup")
    findings = run_checks([first, second])
    assert [f.id for f in findings] == ["tongxin.E008"]
    assert "DupA" in findings[0].message


def test_e009_figure_names_no_column() -> None:
    model = make("BadStat", __search_columns__=("name",),
                 __stats__=(Stat("n", _l("Name"), "nope"),))
    findings = run_checks([Parent, model])
    assert [f.id for f in findings] == ["tongxin.E009", "tongxin.E010"]
    assert "'nope' is not a date column" in findings[0].message


def test_e009_rate_of_an_unknown_figure() -> None:
    model = make("BadRate", __stats__=(Stat("n", _l("Name"), when=CURRENT, rate_of="x"),))
    assert ids(model) == ["tongxin.E009"]


def test_e009_sensitive_flag_not_on_the_groups() -> None:
    model = make("BadFlag", __search_columns__=("parent",), parent_id=mapped_column(
        ForeignKey("chk_parent.id"), info=col(_l("Street"))),
        parent=relationship(Parent, info=col(_l("Street"))),
        __annotations__={"id": Mapped[int], "name": Mapped[str], "parent_id": Mapped[int],
                         "parent": Mapped[Parent]},
        __stats__=(Stat("n", _l("Name"), when=CURRENT, by="parent", sensitive="nope"),))
    findings = run_checks([Parent, model])
    assert [f.id for f in findings] == ["tongxin.E009"]
    assert "sensitive 'nope'" in findings[0].message


def test_e010_figure_column_not_searchable() -> None:
    model = make("Unsearched", __annotations__={"id": Mapped[int], "name": Mapped[str],
                                                "on": Mapped[dt.date]},
                 on=mapped_column(Date, info=col(_l("Date"))),
                 __stats__=(Stat("n", _l("Name"), "on"),))
    findings = run_checks([Parent, model])
    assert [f.id for f in findings] == ["tongxin.E010"]
    assert "'on' is not in __search_columns__" in findings[0].message


def test_raise_on_errors_refuses_with_every_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = make("Broken", __label__=None, __list_columns__=("ghost",))
    import models

    monkeypatch.setattr(models, "registry", lambda: [bad])
    with pytest.raises(ChecksFailed) as err:
        raise_on_errors()
    assert "tongxin.E001" in str(err.value) and "tongxin.E003" in str(err.value)
