"""Uploaded images: checked with Pillow, stored in Swift (or on disk), served back.

An upload is stored as two objects with generated names (the client's file
name is never used as a path):

    <32 hex>.<ext>         the file as uploaded
    <32 hex>-thumb.<ext>   a thumbnail, at most THUMB_SIZE, re-encoded (no metadata)

<ext> comes from the format Pillow detected: png, jpg, gif or webp. With Swift
configured they go to the container settings.SWIFT_CONTAINER (created on
demand); otherwise to Django's default storage (MEDIA_ROOT) under
services/images/. Either way the site serves them at the URL of
services:image (services/api/uploads.py).
"""

import io
import logging
import re
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from services import backends

logger = logging.getLogger("services")

FORMATS = {  # Pillow format -> (extension, Content-Type)
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = {ext: ctype for ext, ctype in FORMATS.values()}
NAME_RE = re.compile(r"^[0-9a-f]{32}(-thumb)?\.(png|jpg|gif|webp)$")
THUMB_SIZE = (256, 256)
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding anything
DISK_PREFIX = "services/images/"


class NotAnImage(ValueError):
    pass


class ImageNotFound(LookupError):
    pass


def max_bytes():
    return settings.SERVICES_UPLOAD_MAX_BYTES


def inspect(data):
    """(format, width, height) of an image in bytes, or NotAnImage."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if fmt not in FORMATS:
                raise NotAnImage(f"{fmt or 'unknown'} images are not accepted")
            if width * height > MAX_PIXELS:
                raise NotAnImage(f"image too large ({width}x{height} pixels)")
            img.verify()  # checks the structure (and PNG CRCs) without decoding
    except NotAnImage:
        raise
    except Exception as exc:  # Pillow raises many types for garbage input
        raise NotAnImage("not an image") from exc
    return fmt, width, height


def make_thumbnail(data, fmt):
    """The image scaled to fit THUMB_SIZE, in the same format."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as img:
        if fmt == "JPEG":
            img.draft("RGB", THUMB_SIZE)
        img = ImageOps.exif_transpose(img)
        img.thumbnail(THUMB_SIZE)
        if fmt == "JPEG" and img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        if fmt == "GIF" and img.mode not in ("P", "L"):
            img = img.convert("P")
        out = io.BytesIO()
        img.save(out, format=fmt)
        return out.getvalue()


def image_path(name):
    return reverse("services:image", args=[name])


def store_upload(data):
    """Check and store an upload; a dict for the API. NotAnImage / ServiceUnavailable."""
    fmt, width, height = inspect(data)
    try:
        thumb = make_thumbnail(data, fmt)
    except Exception as exc:
        raise NotAnImage("the image could not be decoded") from exc
    ext, content_type = FORMATS[fmt]
    stem = uuid.uuid4().hex
    name, thumb_name = f"{stem}.{ext}", f"{stem}-thumb.{ext}"
    put(name, data, content_type)
    put(thumb_name, thumb, content_type)
    return {
        "thumb_img_path": image_path(thumb_name),
        "thumb_img_name": thumb_name,
        "img_path": image_path(name),
        "img_name": name,
        "content_type": content_type,
        "width": width,
        "height": height,
    }


def put(name, data, content_type):
    if backends.swift_configured():
        _swift_put(name, data, content_type)
    else:
        default_storage.save(DISK_PREFIX + name, ContentFile(data))


def _swift_put(name, data, content_type):
    from swiftclient.exceptions import ClientException

    container = settings.SWIFT_CONTAINER
    try:
        conn = backends.swift_connection()
        try:
            conn.put_object(container, name, contents=data, content_type=content_type)
        except ClientException as exc:
            if exc.http_status != 404:
                raise
            # First upload: the container does not exist yet.
            conn.put_container(container)
            conn.put_object(container, name, contents=data, content_type=content_type)
    except Exception as exc:
        logger.warning("swift upload of %s failed: %s: %s", name, exc.__class__.__name__, exc)
        raise backends.ServiceUnavailable("image storage (Swift) unavailable; try again later") from exc


def open_image(name):
    """(chunks iterable, content_type, length or None, etag or None) of a stored image.
    ImageNotFound when there is no such image; ServiceUnavailable when Swift is down."""
    if not NAME_RE.match(name or ""):
        raise ImageNotFound(name)
    content_type = CONTENT_TYPES[name.rsplit(".", 1)[1]]
    if backends.swift_configured():
        return _swift_get(name, content_type)
    path = DISK_PREFIX + name
    try:
        handle = default_storage.open(path, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise ImageNotFound(name) from exc
    return handle, content_type, default_storage.size(path), None


def _swift_get(name, content_type):
    from swiftclient.exceptions import ClientException

    try:
        headers, body = backends.swift_connection().get_object(
            settings.SWIFT_CONTAINER, name, resp_chunk_size=64 * 1024
        )
    except ClientException as exc:
        if exc.http_status == 404:
            raise ImageNotFound(name) from exc
        logger.warning("swift download of %s failed: %s", name, exc)
        raise backends.ServiceUnavailable("image storage (Swift) unavailable; try again later") from exc
    except Exception as exc:
        logger.warning("swift download of %s failed: %s: %s", name, exc.__class__.__name__, exc)
        raise backends.ServiceUnavailable("image storage (Swift) unavailable; try again later") from exc
    length = headers.get("content-length")
    return body, content_type, int(length) if length and length.isdigit() else None, headers.get("etag")
