"""The message catalogues: extract, update and compile them, reproducibly.

One template (``translations/messages.pot``) holds every text of our code *and* of the
Flask-AppBuilder sources, so our ``zh`` catalogue fills every gap of FAB's own one (Flask-Babel
loads FAB's catalogue first and ours after: our entries win). ``en`` needs no translations:
an empty ``msgstr`` means "the English msgid as is".

``tongxin i18n extract`` runs :func:`extract` then :func:`update`; ``tongxin i18n compile``
runs :func:`compile`. :func:`compile_if_stale` is called by ``create_app`` so that a fresh clone
(where the git-ignored ``.mo`` files are missing) renders Chinese without an extra step.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from app.config import ROOT, TRANSLATIONS

log = logging.getLogger(__name__)

BABEL_CFG = TRANSLATIONS / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh", "en")
#: Locales that need a translation of every text (``en`` is the msgids themselves).
TRANSLATED = ("zh",)
#: Our source folders (relative to the project root) scanned for texts.
OWN_SOURCES = ("app", "models", "views")
#: Function names that mark a text, besides Babel's defaults (``_``, ``gettext``, …).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None,
            "lazy_formatter_gettext": (1,)}
#: The header of every catalogue. Its only date is the template's creation date, kept from
#: one extraction to the next, so that an unchanged source gives unchanged files.
PROJECT, VERSION = "tongxin", "1.0"
WIDTH = 100
HEADER = """\
# 同心 Tongxin: messages of the portal and of the Flask-AppBuilder screens it shows.
# Written by `tongxin i18n extract` (sorted, no line numbers): edit only the msgstr lines
# of the locale files, then run `tongxin i18n compile` (create_app also compiles them)."""


def _fab_dir() -> Path:
    spec = importlib.util.find_spec("flask_appbuilder")
    if spec is None or spec.origin is None:  # pragma: no cover - FAB is a dependency
        raise RuntimeError("flask_appbuilder is not installed")
    return Path(spec.origin).parent


def po_path(locale: str) -> Path:
    """The ``.po`` file of ``locale``."""
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def mo_path(locale: str) -> Path:
    """The compiled ``.mo`` file of ``locale``."""
    return po_path(locale).with_suffix(".mo")


def _sources() -> Iterator[tuple[Path, str]]:
    """(folder, prefix used in the locations) of every source scanned."""
    for name in OWN_SOURCES:
        yield ROOT / name, name
    yield _fab_dir(), "flask_appbuilder"


def _wanted_dir(path: str) -> bool:
    """Whether extraction descends into ``path`` (called for each folder level)."""
    name = Path(path).name
    return not (name.startswith(".") or name in ("__pycache__", "migrations", "static"))


def collect() -> Catalog:
    """Every marked text of the sources, as a template catalogue (nothing is written)."""
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(BABEL_CFG))
    created = _previous_creation_date()
    catalog = Catalog(project=PROJECT, version=VERSION, charset="utf-8",
                      creation_date=created, revision_date=created, header_comment=HEADER,
                      fuzzy=False)
    catalog.msgid_bugs_address = catalog.last_translator = catalog.language_team = ""
    for folder, prefix in _sources():
        found = extract_from_dir(folder, method_map, options_map, keywords=KEYWORDS,
                                 comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
                                 directory_filter=_wanted_dir)
        for filename, lineno, message, comments, context in found:
            catalog.add(message, None, [(f"{prefix}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def extract() -> Catalog:
    """Scan the sources and write ``messages.pot`` (sorted, without line numbers)."""
    catalog = collect()
    with POT.open("wb") as fh:
        write_po(fh, catalog, width=WIDTH, sort_output=True, include_lineno=False)
    return catalog


def _previous_creation_date() -> dt.datetime:
    if POT.exists():
        with POT.open("rb") as fh:
            created = read_po(fh).creation_date
        if isinstance(created, dt.datetime):
            return created
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def update() -> dict[str, list[str]]:
    """Merge ``messages.pot`` into every locale's ``.po``; return the msgids still
    untranslated in each locale of :data:`TRANSLATED`.

    New texts arrive with an empty ``msgstr`` (never a fuzzy guess); texts no longer in the
    template are dropped.
    """
    with POT.open("rb") as fh:
        template = read_po(fh)
    missing: dict[str, list[str]] = {}
    for locale in LOCALES:
        path = po_path(locale)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project=PROJECT, version=VERSION,
                              charset="utf-8", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.creation_date = catalog.revision_date = template.creation_date
        catalog.header_comment = HEADER
        catalog.msgid_bugs_address = catalog.last_translator = ""
        catalog.language_team = locale
        catalog.fuzzy = False
        with path.open("wb") as fh:
            write_po(fh, catalog, width=WIDTH, sort_output=True, include_lineno=False,
                     ignore_obsolete=True)
        if locale in TRANSLATED:
            missing[locale] = [str(m.id) for m in catalog if m.id and not m.string]
    return missing


def compile(locales: tuple[str, ...] = LOCALES) -> list[Path]:
    """Compile the ``.po`` of ``locales`` into ``.mo`` files; fuzzy entries are left out."""
    written = []
    for locale in locales:
        path = po_path(locale)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        target = mo_path(locale)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        with partial.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(partial, target)  # atomic: workers starting together never read half
        written.append(target)
    return written


def stale_locales() -> tuple[str, ...]:
    """Locales whose ``.mo`` is missing or older than their ``.po``."""
    out = []
    for locale in LOCALES:
        po, mo = po_path(locale), mo_path(locale)
        if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            out.append(locale)
    return tuple(out)


def compile_if_stale() -> list[Path]:
    """Compile the catalogues that need it (a cheap mtime check; nothing to do usually)."""
    stale = stale_locales()
    if not stale:
        return []
    try:
        return compile(stale)
    except OSError as err:  # e.g. a read-only installation: run `tongxin i18n compile`
        log.warning("could not compile the catalogues of %s: %s", ", ".join(stale), err)
        return []
