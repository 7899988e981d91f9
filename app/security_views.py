"""FAB's security screens, speaking Chinese: labels for permission and view names.

Permissions (``can_read``), views (``UserDBModelView``, ``street``) and their pairs are
stored under technical names. These subclasses show them through Babel instead, format
booleans, dates and lists, and label every column. They keep FAB's class names, so the
permission names, endpoints and ``url_for`` targets stay exactly FAB's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, Select2ManyWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security import forms as fab_forms
from flask_appbuilder.security import views as fab
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Optional, ValidationError

from app.passwords import HINT as PASSWORD_HINT
from models.org import Community, Grid, PartnerUnit, SocialWorkStation, Street
from views.fields import RemoteSelectField
from views.generator import choices_url

#: Permission name → label. Unknown names go through ``gettext`` as they are.
PERMISSION_LABELS = {
    "can_read": _l("Read"),
    "can_add": _l("Add"),
    "can_edit": _l("Edit"),
    "can_delete": _l("Delete"),
    "can_list": _l("View list"),
    "can_show": _l("View details"),
    "can_download": _l("Download"),
    "can_get": _l("Read through the API"),
    "can_info": _l("Read form metadata"),
    "can_post": _l("Add through the API"),
    "can_put": _l("Edit through the API"),
    "can_userinfo": _l("View own profile"),
    "can_chart": _l("View chart"),
    "can_this_form_get": _l("Open the form"),
    "can_this_form_post": _l("Submit the form"),
    "menu_access": _l("Menu access"),
    "resetmypassword": _l("Reset my password"),
    "resetpasswords": _l("Reset Password"),
    "userinfoedit": _l("Edit User Information"),
    "copyrole": _l("Copy Role"),
    "can_start": _l("Start"),
    "can_index": _l("Open"),
    "can_reveal": _l("View full personal data"),
}

#: FAB's view names → label. Our views are labelled from the models (see ``view_label``);
#: FAB's menu entries (``List Users`` …) are FAB texts and go through ``gettext``.
VIEW_LABELS = {
    "IndexView": _l("Home page"),
    "ViewAsView": _l("View as another user"),
    "RankingView": _l("Points ranking"),
    "PersonalDataView": _l("Personal data"),
    "PublicFeesView": _l("Residents' notice board"),
    "ExcelJobsView": _l("Excel export"),
    "excel": _l("Excel export"),
    "PublicFees": _l("Residents' notice board"),
    "PointsRanking": _l("Points ranking"),
    "UtilView": _l("Navigation"),
    "LocaleView": _l("Language switch"),
    "SecurityApi": _l("Login interface"),
    "AuthDBView": _l("Login"),
    "UserInfoEditView": _l("Edit User Information"),
    "ResetPasswordView": _l("Reset Password"),
    "ResetMyPasswordView": _l("Reset my password"),
    "UserDBModelView": _l("Users"),
    "RoleModelView": _l("Roles"),
    "UserGroupModelView": _l("Groups"),
    "UserStatsChartView": _l("User Statistics"),
    "PermissionModelView": _l("Base Permissions"),
    "ViewMenuModelView": _l("Views/Menus"),
    "PermissionViewModelView": _l("Permission on Views/Menus"),
    "OpenApi": _l("Interface description"),
    "SwaggerView": _l("Interface documentation"),
    "MenuApi": _l("Menu interface"),
}


def permission_label(name: Any) -> str:
    """The label of a permission (``can_read`` → 查看)."""
    name = str(name)
    label = PERMISSION_LABELS.get(name)
    return str(label) if label is not None else _(name)


def view_label(name: Any) -> str:
    """The label of a view or menu: a record type, a menu group, a FAB screen."""
    import models
    from models.meta import MENU_GROUPS

    name = str(name)
    for model in models.registry():
        if name in (model.__resource__, model.__name__):
            return str(model.__label__)
    if name in MENU_GROUPS:
        return str(MENU_GROUPS[name])
    label = VIEW_LABELS.get(name)
    return str(label) if label is not None else _(name)


def permission_view_label(pv: Any) -> str:
    """The label of a permission on a view (``can read on street`` → 街道：查看)."""
    return _("%(view)s: %(permission)s", view=view_label(pv.view_menu),
             permission=permission_label(pv.permission))


def _join(labels: Iterable[Any]) -> str:
    return "、".join(str(label) for label in labels)


def _datetime(value: Any) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def _yes_no(value: Any) -> str:
    return "" if value is None else _("Yes") if value else _("No")


def _permission_views() -> list[Any]:
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    rows = appbuilder.session.query(appbuilder.sm.permissionview_model).all()
    return sorted(rows, key=permission_view_label)


def _permissions_field() -> QuerySelectMultipleField:
    return QuerySelectMultipleField(
        _l("Permissions"), query_func=_permission_views, get_pk_func=lambda pv: pv.id,
        get_label=permission_view_label, widget=Select2ManyWidget(),
    )


#: Labels of every user column (FAB leaves some to an English default).
USER_LABELS = dict(fab.UserModelView.label_columns)


class PermissionModelView(fab.PermissionModelView):
    """Base permissions, by label."""

    formatters_columns = {"name": permission_label}


class ViewMenuModelView(fab.ViewMenuModelView):
    """Views and menus, by label."""

    formatters_columns = {"name": view_label}


class PermissionViewModelView(fab.PermissionViewModelView):
    """Permission-on-view pairs, by label."""

    label_columns = {**fab.PermissionViewModelView.label_columns, "role": _l("Roles")}
    formatters_columns = {"permission": permission_label, "view_menu": view_label}


class RoleModelView(fab.RoleModelView):
    """Roles: permissions listed and chosen by their labels."""

    label_columns = {**fab.RoleModelView.label_columns, "user": _l("Users"),
                     "groups": _l("Groups")}
    formatters_columns = {"permissions": lambda pvs: _join(sorted(
        permission_view_label(pv) for pv in pvs or ()))}
    add_form_extra_fields = {"permissions": _permissions_field()}
    edit_form_extra_fields = add_form_extra_fields


class OneBinding:
    """A user works for one organisation: at most one of the binding fields is filled."""

    def __call__(self, form: Any, field: Any) -> None:
        filled = [name for name in BINDING if name in form and form[name].data]
        if field.name in filled and len(filled) > 1:
            raise ValidationError(_("Bind the user to only one organisation."))


#: The user's organisation binding: (field, model, label).
BINDING = {
    "street": (Street, _l("Street")),
    "community": (Community, _l("Community")),
    "grids": (Grid, _l("Grids")),
    "partner_unit": (PartnerUnit, _l("Partner unit")),
    "station": (SocialWorkStation, _l("Social work station")),
}


def _binding_fields() -> dict[str, RemoteSelectField]:
    return {
        name: RemoteSelectField(label, [Optional(), OneBinding()],
                                interface=SQLAInterface(model), endpoint=choices_url(model),
                                multiple=name == "grids",
                                description=_l("Decides which records the user sees."))
        for name, (model, label) in BINDING.items()
    }


def _password_field() -> PasswordField:
    """FAB's password field, its hint stating the policy (``app.passwords``) it checks."""
    return PasswordField(_l("Password"), description=PASSWORD_HINT,
                         validators=[DataRequired(), PasswordComplexityValidator()],
                         widget=BS3PasswordFieldWidget())


class ResetPasswordForm(fab_forms.ResetPasswordForm):
    """FAB's form to set a password, with the policy as its hint."""

    password = _password_field()


class ResetMyPasswordView(fab.ResetMyPasswordView):
    """A user sets its own password (the policy applies)."""

    form = ResetPasswordForm


class ResetPasswordView(fab.ResetPasswordView):
    """An administrator sets a user's password (the policy applies)."""

    form = ResetPasswordForm


class UserDBModelView(fab.UserDBModelView):
    """Users: 是/否, dates and role lists, and the organisation each one works for."""

    show_template = "tongxin/user_show.html"

    label_columns = {**USER_LABELS, **{k: v[1] for k, v in BINDING.items()},
                     "organisation": _l("Organisation")}
    list_columns = [*fab.UserDBModelView.list_columns, "organisation"]
    add_columns = [*fab.UserDBModelView.add_columns, *BINDING]
    edit_columns = [*fab.UserDBModelView.edit_columns, *BINDING]
    show_fieldsets = [
        *fab.UserDBModelView.show_fieldsets[:2],
        (_l("Organisation"), {"fields": ["organisation", *BINDING], "expanded": True}),
        *fab.UserDBModelView.show_fieldsets[2:],
    ]
    add_form_extra_fields = {**fab.UserDBModelView.add_form_extra_fields,
                             "password": _password_field(), **_binding_fields()}
    edit_form_extra_fields = _binding_fields()
    formatters_columns = {
        "active": _yes_no,
        "roles": _join,
        "groups": _join,
        "grids": _join,
        "last_login": _datetime,
        "created_on": _datetime,
        "changed_on": _datetime,
    }


class UserGroupModelView(fab.UserGroupModelView):
    """Groups of users, with labelled columns."""

    label_columns = {
        "name": _l("Name"),
        "label": _l("Label"),
        "description": _l("Description"),
        "users": _l("Users"),
        "roles": _l("Roles"),
    }
    formatters_columns = {"users": _join, "roles": _join}


class UserStatsChartView(fab.UserStatsChartView):
    """Login statistics, with labelled columns and charts."""

    definitions = [
        {"label": _l("Login count"), "group": "username", "series": ["login_count"]},
        {"label": _l("Failed login count"), "group": "username",
         "series": ["fail_login_count"]},
    ]

    def __init__(self, **kwargs: Any) -> None:
        # FAB writes English defaults into the labels of charted columns, in place: give each
        # instance its own copy (the search form is built from it) and restore it afterwards
        self.label_columns = dict(USER_LABELS)
        super().__init__(**kwargs)
        self.label_columns = {**self.label_columns, **USER_LABELS}
