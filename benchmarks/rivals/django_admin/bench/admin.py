"""One work-log admin per place, each scoped in ``get_queryset`` to the id in settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import WorkLog, WorkLogCommunity, WorkLogStreet, WorkLogUnit


class ScopedWorkLogAdmin(admin.ModelAdmin):
    """The work logs whose ``scope_field`` is ``settings.<scope_setting>``."""

    scope_field = ""
    scope_setting = ""
    list_display = ("work_date", "summary", "project", "partner_unit", "hours",
                    "beneficiaries", "status")
    # the default (False) select_relateds only the non-null FKs: partner_unit would cost
    # one query a row
    list_select_related = ("project", "partner_unit")
    search_fields = ("summary",)
    ordering = ("-work_date",)
    list_per_page = 20

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkLog]:
        scope = {self.scope_field: getattr(settings, self.scope_setting)}
        return super().get_queryset(request).filter(**scope)


@admin.register(WorkLogUnit)
class WorkLogUnitAdmin(ScopedWorkLogAdmin):
    """The partner unit's work logs."""

    scope_field, scope_setting = "partner_unit_id", "BENCH_UNIT_ID"


@admin.register(WorkLogCommunity)
class WorkLogCommunityAdmin(ScopedWorkLogAdmin):
    """The community's work logs."""

    scope_field, scope_setting = "community_id", "BENCH_COMMUNITY_ID"


@admin.register(WorkLogStreet)
class WorkLogStreetAdmin(ScopedWorkLogAdmin):
    """The street's work logs."""

    scope_field, scope_setting = "street_id", "BENCH_STREET_ID"
