"""One permission name per record type, shared by its pages and its API.

FAB names a permission after each method (``can_list``, ``can_get``…). We fold them into
four: ``can_read``, ``can_add``, ``can_edit``, ``can_delete`` on the resource name, so a
role that may read 社区 may read it on screen and through ``/api/v1/community/`` alike.
"""

from __future__ import annotations

READ, ADD, EDIT, DELETE = "read", "add", "edit", "delete"

#: FAB method name → our permission name, for the generated ModelView and ModelRestApi.
METHOD_PERMISSIONS: dict[str, str] = {
    # pages
    "list": READ, "list_count": READ, "show": READ, "download": READ, "api": READ, "api_read": READ,
    "api_get": READ, "api_column_add": ADD, "api_column_edit": EDIT,
    "api_create": ADD, "api_update": EDIT, "api_delete": DELETE,
    "add": ADD, "edit": EDIT, "delete": DELETE,
    "action": EDIT, "action_post": EDIT, "muldelete": DELETE,
    # REST API
    "get_list": READ, "get": READ, "info": READ, "choices": READ,
    # workflow: reading the record is enough to ask; the model's transition roles decide
    "transition": READ, "transition_action": READ,
    # Excel: exporting what one may read; importing is adding (and updating) rows
    "export": READ, "import_page": ADD, "import_template": ADD, "import_marked": ADD,
    "import_commit": ADD, "import_undo": ADD,
    "post": ADD, "put": EDIT,
}

ALL = (READ, ADD, EDIT, DELETE)
