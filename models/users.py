"""The portal's user: FAB's user plus the place in the organisation it works for."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import PortalModel, col
from models.org import Community, Grid, PartnerUnit, SocialWorkStation, Street

user_grid = Table(
    "user_grid",
    PortalModel.metadata,
    Column("user_id", ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grid.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TongxinUser(User):
    """A user bound to one street, community, set of grids, partner unit or station."""

    __tablename__ = "ab_user"

    street_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("street.id"), nullable=True, info=col(_l("Street")))
    street: Mapped[Street | None] = relationship(foreign_keys=[street_id])
    community_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("community.id"), nullable=True, info=col(_l("Community")))
    community: Mapped[Community | None] = relationship(foreign_keys=[community_id])
    grids: Mapped[list[Grid]] = relationship(secondary=user_grid)
    partner_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("partner_unit.id"), nullable=True, info=col(_l("Partner unit")))
    partner_unit: Mapped[PartnerUnit | None] = relationship(foreign_keys=[partner_unit_id])
    station_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("social_work_station.id"), nullable=True,
        info=col(_l("Social work station")))
    station: Mapped[SocialWorkStation | None] = relationship(foreign_keys=[station_id])

    @property
    def organisation(self) -> str:
        """The organisation the user works for, as shown on the user screens."""
        bound = [self.street, self.community, *self.grids, self.partner_unit, self.station]
        return "、".join(str(o) for o in bound if o is not None)

#: change counters kept by the database itself: the row ``permissions`` goes up with
#: every change to who holds which permission (triggers of migration ``a4d7e9c20001``),
#: so each process may keep the permission sets it has read while the counter holds
change_stamp = Table(
    "tx_change_stamp",
    PortalModel.metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False, server_default="0"),
)
