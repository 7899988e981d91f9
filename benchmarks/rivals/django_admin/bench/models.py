"""Unmanaged models over the portal's tables (the portal owns the schema; never migrated)."""

from __future__ import annotations

from django.db import models

STATUSES = {"pending": "待审核", "approved": "已通过", "returned": "已退回"}


class Street(models.Model):
    """街道 (table ``street``)."""

    id = models.AutoField(primary_key=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        managed = False
        db_table = "street"
        verbose_name = verbose_name_plural = "街道"

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区 (table ``community``)."""

    id = models.AutoField(primary_key=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        managed = False
        db_table = "community"
        verbose_name = verbose_name_plural = "社区"

    def __str__(self) -> str:
        return self.name


class PartnerUnit(models.Model):
    """共建单位 (table ``partner_unit``)."""

    id = models.AutoField(primary_key=True)
    name = models.CharField("名称", max_length=150)

    class Meta:
        managed = False
        db_table = "partner_unit"
        verbose_name = verbose_name_plural = "共建单位"

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """共建项目 (table ``project``)."""

    id = models.AutoField(primary_key=True)
    name = models.CharField("名称", max_length=120)

    class Meta:
        managed = False
        db_table = "project"
        verbose_name = verbose_name_plural = "项目"

    def __str__(self) -> str:
        return self.name


class WorkLog(models.Model):
    """服务记录 (table ``work_log``)."""

    id = models.AutoField(primary_key=True)
    project = models.ForeignKey(Project, models.DO_NOTHING, verbose_name="项目")
    street = models.ForeignKey(Street, models.DO_NOTHING, null=True, blank=True,
                               verbose_name="街道")
    community = models.ForeignKey(Community, models.DO_NOTHING, null=True, blank=True,
                                  verbose_name="社区")
    partner_unit = models.ForeignKey(PartnerUnit, models.DO_NOTHING, null=True, blank=True,
                                     verbose_name="共建单位")
    work_date = models.DateField("日期")
    hours = models.DecimalField("时长", max_digits=6, decimal_places=1)
    people_sent = models.IntegerField("派出人数", default=1)
    beneficiaries = models.IntegerField("服务人数", default=0)
    summary = models.CharField("摘要", max_length=120)
    content = models.TextField("服务内容", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=STATUSES, default="pending")

    class Meta:
        managed = False
        db_table = "work_log"
        verbose_name = verbose_name_plural = "服务记录"

    def __str__(self) -> str:
        return self.summary


class WorkLogUnit(WorkLog):
    """The work logs of one partner unit (``BENCH_UNIT_ID``)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "本单位服务记录"


class WorkLogCommunity(WorkLog):
    """The work logs of one community (``BENCH_COMMUNITY_ID``)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "本社区服务记录"


class WorkLogStreet(WorkLog):
    """The work logs of one street (``BENCH_STREET_ID``)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "本街道服务记录"
