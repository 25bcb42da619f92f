"""Private files through Django's storage API only (local directory or S3-compatible bucket).

Nothing here builds a URL: files reach a browser only through the access-checked views in
``patients.media.views``. Code that needs a real file path (OpenCV decoding a video) asks
``local_copy``, which uses the file in place on a local disk and downloads a temporary copy from a
remote bucket.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

import numpy as np
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, StreamingHttpResponse


def save_bytes(field: FieldFile, name: str, data: bytes) -> None:
    """Store ``data`` in the field's storage under a fresh unguessable name (the field's upload_to)."""
    field.save(name, ContentFile(data), save=False)


def read_bytes(field: FieldFile) -> bytes:
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


def load_rgb(field: FieldFile) -> np.ndarray:
    """Decode a stored photo to an RGB array (stored photos are already upright and metadata-free)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(read_bytes(field))) as image:
        return np.asarray(image.convert("RGB"))


@contextmanager
def local_copy(field: FieldFile) -> Iterator[str]:
    """A filesystem path to the stored file for the duration of the block."""
    try:
        path = field.storage.path(field.name)
    except NotImplementedError:
        path = None
    if path and os.path.exists(path):
        yield path
        return
    suffix = PurePosixPath(field.name).suffix
    handle, temp = tempfile.mkstemp(suffix=suffix, prefix="retrain-media-")
    try:
        with os.fdopen(handle, "wb") as out, field.storage.open(field.name, "rb") as source:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield temp
    finally:
        os.unlink(temp)


def delete_quietly(field: FieldFile) -> None:
    if field and field.name:
        field.storage.delete(field.name)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def file_response(
    field: FieldFile, content_type: str, *, range_header: str = "", download_name: str = ""
) -> HttpResponse:
    """Stream a stored file, honouring a single byte range (video players seek with them).

    Clinical data: never cached by the browser or a proxy, never sniffed into another type.
    """
    storage = field.storage
    size = storage.size(field.name)
    match = _RANGE.match(range_header.strip()) if range_header else None
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else size - 1
        else:
            start = max(size - int(match.group(2)), 0)
            end = size - 1
        end = min(end, size - 1)
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _private(response)
        handle = storage.open(field.name, "rb")
        handle.seek(start)
        response = StreamingHttpResponse(_chunks(handle, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(storage.open(field.name, "rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    disposition = "inline"
    if download_name:
        disposition += f'; filename="{download_name}"'
    response["Content-Disposition"] = disposition
    return _private(response)


def _chunks(handle, remaining: int, block: int = 256 * 1024):
    try:
        while remaining > 0:
            data = handle.read(min(block, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
