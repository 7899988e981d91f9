"""The organisation tree (街道 → 社区 → 网格) and the bodies beside it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.dictionary import DictItem
from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, StreetKey, VersionMixin

unit_community = Table(
    "partner_unit_community",
    PortalModel.metadata,
    Column("partner_unit_id", ForeignKey("partner_unit.id", ondelete="CASCADE"),
           primary_key=True),
    Column("community_id", ForeignKey("community.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)

station_community = Table(
    "station_community",
    PortalModel.metadata,
    Column("station_id", ForeignKey("social_work_station.id", ondelete="CASCADE"),
           primary_key=True),
    Column("community_id", ForeignKey("community.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)


class Street(AuditMixin, VersionMixin, PortalModel):
    """街道: a street office and the area it governs."""

    __tablename__ = "street"
    __label__ = _l("Street")
    __resource__ = "street"
    __natural_key__ = ("name",)
    __icon__ = "fa-city"
    __menu_order__ = 10
    __list_columns__ = ("name", "district", "code", "phone")
    __search_columns__ = ("name", "district", "code")
    __form_columns__ = ("name", "district", "code", "address", "phone", "note")
    __order__ = ("name", "asc")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=col(_l("Name")))
    district: Mapped[str | None] = mapped_column(String(100), info=col(_l("District")))
    code: Mapped[str | None] = mapped_column(String(40), info=col(_l("Code")))
    address: Mapped[str | None] = mapped_column(String(200), info=col(_l("Address")))
    phone: Mapped[str | None] = mapped_column(String(40), info=col(_l("Office phone")))
    note: Mapped[str | None] = mapped_column(String(500), info=col(_l("Note")))


class Community(StreetKey, AuditMixin, VersionMixin, PortalModel):
    """社区: a residents' community under one street."""

    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("street_id", "name", name="uq_community_street_name"),)
    __label__ = _l("Community")
    __resource__ = "community"
    __natural_key__ = ("name",)
    __icon__ = "fa-home"
    __menu_order__ = 20
    __list_columns__ = ("name", "street", "households", "secretary", "phone")
    __search_columns__ = ("name", "street", "secretary")
    __form_columns__ = ("name", "street", "households", "secretary", "address", "phone", "note")
    __order__ = ("name", "asc")
    __scope_keys__ = ("street_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), info=col(_l("Name")))
    households: Mapped[int | None] = mapped_column(Integer, info=col(_l("Households")))
    secretary: Mapped[str | None] = mapped_column(String(50), info=col(_l("Party secretary")))
    address: Mapped[str | None] = mapped_column(String(200), info=col(_l("Address")))
    phone: Mapped[str | None] = mapped_column(String(40), info=col(_l("Office phone")))
    note: Mapped[str | None] = mapped_column(String(500), info=col(_l("Note")))


class Grid(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """网格: a grid of 300–500 households inside one community."""

    __tablename__ = "grid"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_grid_community_name"),)
    __label__ = _l("Grid")
    __resource__ = "grid"
    __natural_key__ = ("community", "name")
    __icon__ = "fa-th"
    __menu_order__ = 30
    __list_columns__ = ("name", "community", "street", "households", "worker_name")
    __search_columns__ = ("name", "community", "street", "worker_name")
    __form_columns__ = ("name", "community", "households", "buildings", "worker_name",
                        "worker_phone", "note")
    __order__ = ("name", "asc")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), info=col(_l("Name")))
    households: Mapped[int | None] = mapped_column(Integer, info=col(_l("Households")))
    buildings: Mapped[str | None] = mapped_column(
        String(200), info=col(_l("Buildings and compounds"))
    )
    worker_name: Mapped[str | None] = mapped_column(String(50), info=col(_l("Grid worker")))
    worker_phone: Mapped[str | None] = mapped_column(
        String(40), info=col(_l("Grid worker phone"), sensitive="phone")
    )
    note: Mapped[str | None] = mapped_column(String(500), info=col(_l("Note")))


class PartnerUnit(AuditMixin, VersionMixin, PortalModel):
    """共建单位: an agency, school, company, shop or social organisation that helps."""

    __tablename__ = "partner_unit"
    __label__ = _l("Partner unit")
    __resource__ = "partnerunit"
    __natural_key__ = ("name",)
    __attachments__ = True
    __icon__ = "fa-handshake"
    __menu_order__ = 40
    __list_columns__ = ("name", "unit_type", "grade", "contact_person", "dual_report", "active")
    __search_columns__ = ("name", "unit_type", "contact_person", "communities", "dual_report")
    __form_columns__ = ("name", "unit_type", "grade", "communities", "contact_person",
                        "contact_phone", "address", "dual_report", "active", "note")
    __order__ = ("name", "asc")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True, info=col(_l("Name")))
    unit_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("dict_item.id"), index=True, info=col(_l("Unit type"))
    )
    unit_type: Mapped[DictItem | None] = relationship(
        foreign_keys=[unit_type_id], info=col(_l("Unit type"), dict_kind="unit_type")
    )
    grade_id: Mapped[int | None] = mapped_column(
        ForeignKey("dict_item.id"), info=col(_l("Grade"))
    )
    grade: Mapped[DictItem | None] = relationship(
        foreign_keys=[grade_id], info=col(_l("Grade"), dict_kind="org_grade")
    )
    communities: Mapped[list[Community]] = relationship(
        secondary=unit_community, info=col(_l("Communities served"))
    )
    contact_person: Mapped[str | None] = mapped_column(
        String(50), info=col(_l("Contact person"))
    )
    contact_phone: Mapped[str | None] = mapped_column(
        String(40), info=col(_l("Contact phone"), sensitive="phone")
    )
    address: Mapped[str | None] = mapped_column(String(200), info=col(_l("Address")))
    dual_report: Mapped[bool] = mapped_column(
        Boolean, default=False, info=col(_l("Dual reporting unit"))
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=col(_l("Active")))
    note: Mapped[str | None] = mapped_column(String(500), info=col(_l("Note")))


class SocialWorkStation(StreetKey, AuditMixin, VersionMixin, PortalModel):
    """社工站: a social-work station serving several communities."""

    __tablename__ = "social_work_station"
    __label__ = _l("Social work station")
    __resource__ = "socialworkstation"
    __natural_key__ = ("name",)
    __icon__ = "fa-hands-helping"
    __menu_order__ = 50
    __list_columns__ = ("name", "street", "contact_person", "staff_count")
    __search_columns__ = ("name", "street", "communities")
    __form_columns__ = ("name", "street", "communities", "contact_person", "contact_phone",
                        "staff_count", "address", "note")
    __order__ = ("name", "asc")
    __scope_keys__ = ("street_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True, info=col(_l("Name")))
    communities: Mapped[list[Community]] = relationship(
        secondary=station_community, info=col(_l("Communities served"))
    )
    contact_person: Mapped[str | None] = mapped_column(
        String(50), info=col(_l("Contact person"))
    )
    contact_phone: Mapped[str | None] = mapped_column(
        String(40), info=col(_l("Contact phone"), sensitive="phone")
    )
    staff_count: Mapped[int | None] = mapped_column(Integer, info=col(_l("Social workers")))
    address: Mapped[str | None] = mapped_column(String(200), info=col(_l("Address")))
    note: Mapped[str | None] = mapped_column(String(500), info=col(_l("Note")))
