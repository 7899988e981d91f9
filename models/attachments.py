"""Files attached to a record (photos, scans, PDFs), for any model with ``__attachments__``.

An attachment names its record by ``(resource, record_id)``, not by a foreign key, so one
table serves every record type. It has no screens of its own: who may see it is decided
by its record (``views.attachments``). The file lives on disk under a random storage key
(``app.files``), never under the name the user gave it.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import current_actor_id, utcnow


class Attachment(Model):
    """One stored file of one record."""

    __tablename__ = "attachment"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_attachment"),
        UniqueConstraint("storage_key", name="uq_attachment_storage_key"),
        # every read is "the files of this record": one index serves it
        Index("ix_attachment_resource_record", "resource", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer)
    #: ``__resource__`` of the record's model, e.g. ``worklog``.
    resource: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The name the file had on the uploader's device (shown, and offered on download).
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Detected from the content, never from the name: image/jpeg, image/png, image/webp,
    #: application/pdf.
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Size in bytes and SHA-256 of the stored file.
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Random name of the stored file, and of its thumbnail (images only).
    storage_key: Mapped[str] = mapped_column(String(64), nullable=False)
    thumb_key: Mapped[str | None] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("ab_user.id", name="fk_attachment_uploaded_by_id", ondelete="SET NULL"),
        default=current_actor_id,
    )
    uploaded_on: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.resource}#{self.record_id}>"
