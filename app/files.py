"""Attached files on disk: what is accepted, how it is stored, its thumbnail.

Knows nothing of records or users (``views.attachments`` decides who may do what).

- Accepted: JPEG, PNG, WEBP and PDF, recognised by their first bytes whatever the file is
  called; at most ``TONGXIN_MAX_UPLOAD`` bytes each.
- Images are decoded and written again by Pillow: what is kept is a clean image (upright,
  without EXIF data such as the GPS position of a phone photo, nor anything hidden behind
  the pixels), plus a small WEBP thumbnail. An image of more than :data:`MAX_PIXELS`
  pixels is refused before it is decoded (a "decompression bomb": a tiny file that
  expands to gigabytes).
- Files are stored under ``TONGXIN_UPLOAD_DIR`` (default ``<instance>/attachments``) by a
  random key, never by the user's file name, and never under a folder served as static.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from babel.units import format_unit
from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import Image, ImageOps

from app.integrity import UserFacingError

#: Content type → the first bytes that identify it.
JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
#: Content type → Pillow format name and the extension offered on download.
FORMATS = {JPEG: ("JPEG", ".jpg"), PNG: ("PNG", ".png"), WEBP: ("WEBP", ".webp"),
           PDF: ("PDF", ".pdf")}
#: What the file input proposes (the server decides by content all the same).
ACCEPT = ",".join(FORMATS)
#: Longest side of a thumbnail, in pixels.
THUMB_SIZE = 240
#: Largest image accepted, in pixels (width × height): 50 megapixels, a little above the
#: best phone cameras. Pillow's own bomb guard stays on behind it.
MAX_PIXELS = 50_000_000
#: Files one upload request may carry.
MAX_FILES = 10
#: Room for the form around the files in one request body.
FORM_OVERHEAD = 1024 * 1024


class FileRefused(UserFacingError):
    """An uploaded file is not accepted; the message says why, in the user's language."""


@dataclass(frozen=True)
class Prepared:
    """An accepted file, ready to be stored."""

    file_name: str
    content_type: str
    data: bytes
    thumbnail: bytes | None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


# --- limits ---------------------------------------------------------------------------------

def max_upload() -> int:
    """Largest file accepted, in bytes."""
    return int(current_app.config["TONGXIN_MAX_UPLOAD"])


def request_limit() -> int:
    """Largest body of one upload request: :data:`MAX_FILES` files and their form."""
    return max_upload() * MAX_FILES + FORM_OVERHEAD


def human_size(size: int) -> str:
    """``10 MB``, ``240 kB``… in the current language."""
    locale = str(get_locale() or "zh")
    for unit, factor in (("digital-megabyte", 1024 * 1024), ("digital-kilobyte", 1024)):
        if size >= factor:
            value = round(size / factor, 1)
            return format_unit(int(value) if value.is_integer() else value, unit,
                               length="short", locale=locale)
    return format_unit(size, "digital-byte", length="short", locale=locale)


# --- checking -------------------------------------------------------------------------------

def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, if it is one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def clean_name(name: str | None, content_type: str) -> str:
    """The user's file name without folders or control characters, with the extension of
    what the file really is (``照片.txt`` that holds a JPEG becomes ``照片.jpg``)."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C")
    stem, ext = os.path.splitext(re.sub(r"\s+", " ", base).strip(" ."))
    wanted = FORMATS[content_type][1]
    if ext.lower() not in (wanted, ".jpeg" if content_type == JPEG else wanted):
        ext = wanted
    return f"{stem[:150] or _('file')}{ext.lower()}"


def read_limited(stream: IO[bytes], name: str) -> bytes:
    """The whole stream, refused beyond :func:`max_upload` bytes (read no further)."""
    limit = max_upload()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(_("%(name)s: the file is too large (at most %(size)s).",
                            name=name, size=human_size(limit)))
    return data


def prepare(stream: IO[bytes], name: str | None) -> Prepared:
    """Check one uploaded file and make what will be stored; :class:`FileRefused` if not."""
    shown = PurePosixPath((name or "").replace("\\", "/")).name or _("file")
    data = read_limited(stream, shown)
    if not data:
        raise FileRefused(_("%(name)s: the file is empty.", name=shown))
    content_type = sniff(data[:16])
    if content_type is None:
        raise FileRefused(_("%(name)s: only JPG, PNG, WEBP and PDF files are accepted.",
                            name=shown))
    file_name = clean_name(name, content_type)
    if content_type == PDF:
        return Prepared(file_name, PDF, data, None)
    image, thumbnail = _reencode(data, content_type, shown)
    return Prepared(file_name, content_type, image, thumbnail)


def _reencode(data: bytes, content_type: str, name: str) -> tuple[bytes, bytes]:
    """The image written again (upright, no metadata) and its thumbnail."""
    fmt = FORMATS[content_type][0]
    damaged = FileRefused(_("%(name)s: the image is damaged or not a real %(kind)s file.",
                            name=name, kind=FORMATS[content_type][1][1:].upper()))
    too_big = FileRefused(_("%(name)s: the image has too many pixels to be processed.",
                            name=name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size  # read from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise too_big
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # upright; drops the EXIF
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise damaged from None
    kept = _encode(image, fmt)
    return kept, _thumbnail(image)  # last: the thumbnail shrinks the image in place


def _encode(image: Image.Image, fmt: str) -> bytes:
    """The pixels in ``fmt`` with the colour profile only: no EXIF, XMP or comments."""
    keep = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
    image.info = {k: v for k, v in image.info.items() if k in ("transparency", "dpi")}
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True, **keep)
    elif fmt == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=90, **keep)
    else:
        image.save(out, "PNG", optimize=True, **keep)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """A WEBP at most :data:`THUMB_SIZE` pixels wide and high (``image`` is shrunk)."""
    alpha = "A" in image.getbands() or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    image.thumbnail((THUMB_SIZE, THUMB_SIZE))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()


# --- storage --------------------------------------------------------------------------------

def upload_root() -> Path:
    """The folder holding every stored file."""
    return Path(current_app.config["TONGXIN_UPLOAD_DIR"])


def new_key() -> str:
    """A random storage key (128 bits)."""
    return secrets.token_hex(16)


def path_of(key: str) -> Path:
    """Where the file of ``key`` is stored (two-level fan-out: ``ab/abcdef…``)."""
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        raise ValueError(f"not a storage key: {key!r}")
    return upload_root() / key[:2] / key


def write(data: bytes) -> str:
    """Store ``data`` under a new key; return the key."""
    key = new_key()
    target = path_of(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{key}.part")
    with partial.open("wb") as fh:
        fh.write(data)
    os.replace(partial, target)
    return key


def remove(*keys: str | None) -> None:
    """Delete the stored files of ``keys`` (missing ones are fine)."""
    for key in keys:
        if key:
            path_of(key).unlink(missing_ok=True)


def check_storage(app: Flask) -> None:
    """Refuse to start when the upload folder could be served as static files."""
    root = Path(app.config["TONGXIN_UPLOAD_DIR"]).resolve()
    served = [app.static_folder, *(bp.static_folder for bp in app.blueprints.values())]
    for folder in filter(None, served):
        static = Path(folder).resolve()
        if root == static or static in root.parents:
            raise RuntimeError(
                f"TONGXIN_UPLOAD_DIR ({root}) 不能位于静态文件目录 {static} 之内 / must not be "
                f"inside the static folder {static}")
    root.mkdir(parents=True, exist_ok=True)
