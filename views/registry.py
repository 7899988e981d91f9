"""The registry loop: every model in ``models`` gets its generated screens and API."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

import models
from models.meta import MENU_GROUPS
from views.generator import ModelSpec, register
from views.personal import PersonalDataView
from views.public import LABEL as PUBLIC_LABEL
from views.public import MENU_NAME as PUBLIC_MENU
from views.public import PublicFeesView
from views.ranking import RANKING_MENU, RankingView
from views.recycle import register_recycle


def register_all(appbuilder: AppBuilder) -> dict[str, ModelSpec]:
    """Register every model, then the few pages that are not one model's; return the
    specs by resource name."""
    specs = {spec.resource: spec for spec in (register(appbuilder, m) for m in models.registry())}
    appbuilder.add_view(RankingView, RANKING_MENU, icon="fa-trophy", label=_l("Points ranking"),
                        category="points", category_label=MENU_GROUPS["points"])
    appbuilder.add_view_no_menu(PersonalDataView())
    appbuilder.add_view_no_menu(PublicFeesView())
    register_recycle(appbuilder)  # 回收站: restore and purge on the bin's generated screen
    appbuilder.add_link(PUBLIC_MENU, href="/public/fees/", icon="fa-bullhorn", label=PUBLIC_LABEL,
                        category="ledgers", category_label=MENU_GROUPS["ledgers"])
    return specs
