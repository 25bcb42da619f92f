"""What an uploaded photo or video must be, judged by its content, never by its name.

Photos: JPEG, PNG or WebP whose bytes decode completely; at most 20 MB and 50 megapixels; the EXIF
orientation is applied, colours converted to sRGB, and the image re-encoded without any metadata
(EXIF with its GPS position and camera serial, XMP, ICC, comments); exactly one face. Videos: MP4,
MOV, WebM/Matroska or AVI that OpenCV can decode; at most 200 MB and 2 minutes; a face in the middle
frame. Each refusal is a DomainError with a reason a therapist can act on.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from clinic.errors import DomainError

MB = 1024 * 1024


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def photo_max_bytes() -> int:
    return _limit("MEDIA_PHOTO_MAX_BYTES", 20 * MB)


def video_max_bytes() -> int:
    return _limit("MEDIA_VIDEO_MAX_BYTES", 200 * MB)


PHOTO_MAX_PIXELS = 50_000_000
PHOTO_MIN_SIDE = 320
VIDEO_MAX_SECONDS = 120.0
VIDEO_MAX_SIDE = 3840
FACE_CHECK_SIDE = 1280  # faces are looked for on a copy no larger than this


def sniff(head: bytes) -> str | None:
    """The container format from the first bytes of a file."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"):
            return "heic"
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


def _size_text(size: int) -> str:
    return f"{size / MB:.1f} MB"


@dataclass
class CleanPhoto:
    data: bytes  # re-encoded, no metadata
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    rgb: np.ndarray


def _read_limited(upload: UploadedFile, limit: int, what: str) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise DomainError(
            f"This {what} is {_size_text(upload.size)}; the limit is {_size_text(limit)}.",
            code="too_large",
            field="file",
        )
    upload.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise DomainError(f"This {what} is larger than {_size_text(limit)}.", code="too_large", field="file")
    return raw


def decode_image(raw: bytes, *, what: str = "photo"):
    """``(image, kind)``: a JPEG, PNG or WebP judged by its bytes, decoded completely (decompression
    bombs refused), EXIF orientation applied, in sRGB. The image carries no metadata onwards."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    kind = sniff(raw[:16])
    if kind == "heic":
        raise DomainError(
            f"HEIC/AVIF images are not accepted; export the {what} as JPEG (most phones can).",
            code="unsupported_format",
            field="file",
        )
    if kind not in ("jpeg", "png", "webp"):
        raise DomainError(
            "This file is not a JPEG, PNG or WebP image (its content was checked, not its name).",
            code="not_an_image",
            field="file",
        )
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = PHOTO_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            width, height = probe.size
            if width * height > PHOTO_MAX_PIXELS:
                raise DomainError(
                    f"This {what} has {width * height / 1e6:.0f} megapixels; the limit is "
                    f"{PHOTO_MAX_PIXELS / 1e6:.0f}.",
                    code="too_many_pixels",
                    field="file",
                )
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            image.load()  # decodes every byte: a truncated or damaged file fails here
            icc = image.info.get("icc_profile")
            # Damaged EXIF makes Pillow raise TypeError, struct.error and others: the pixels stay as stored.
            with contextlib.suppress(Exception):
                image = ImageOps.exif_transpose(image)
            image = _to_srgb(image, icc)
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise DomainError(
            f"This {what} has more than {PHOTO_MAX_PIXELS / 1e6:.0f} megapixels.", code="too_many_pixels", field="file"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError(
            f"The image is damaged or incomplete and cannot be read ({_reason(exc)}).", code="corrupt", field="file"
        ) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    # Only the pixels go on: Pillow would otherwise write back EXIF, comments and profiles it read.
    image.info = {}
    return image, kind


def encode_image(image, kind: str) -> tuple[bytes, str, str]:
    """``(bytes, content_type, extension)``: PNG stays PNG (line drawings), anything else is JPEG."""
    out = io.BytesIO()
    if kind == "png":
        image.save(out, format="PNG")
        return out.getvalue(), "image/png", ".png"
    image.save(out, format="JPEG", quality=92)
    return out.getvalue(), "image/jpeg", ".jpg"


def clean_photo(upload: UploadedFile) -> CleanPhoto:
    raw = _read_limited(upload, photo_max_bytes(), "photo")
    image, kind = decode_image(raw, what="photo")
    if min(image.size) < PHOTO_MIN_SIDE:
        raise DomainError(
            f"This photo is {image.size[0]}×{image.size[1]} px; at least {PHOTO_MIN_SIDE} px on the short side "
            "is needed.",
            code="too_small",
            field="file",
        )
    data, content_type, extension = encode_image(image, kind)
    rgb = np.asarray(image)
    check_one_face(rgb, what="photo")
    return CleanPhoto(
        data=data,
        content_type=content_type,
        extension=extension,
        width=image.size[0],
        height=image.size[1],
        sha256=hashlib.sha256(data).hexdigest(),
        rgb=rgb,
    )


PICTURE_MAX_SIDE = 2048  # illustrations of exercises: larger is only weight on a patient's phone


def clean_picture(upload: UploadedFile, *, max_bytes: int) -> tuple[bytes, str, str]:
    """An illustration (an exercise's picture): decoded and re-encoded like a photo, without any
    metadata, no larger than ``PICTURE_MAX_SIDE``; no face is required."""
    from PIL import Image

    raw = _read_limited(upload, max_bytes, "image")
    image, kind = decode_image(raw, what="image")
    if max(image.size) > PICTURE_MAX_SIDE:
        image.thumbnail((PICTURE_MAX_SIDE, PICTURE_MAX_SIDE), Image.Resampling.LANCZOS)
    return encode_image(image, kind)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".") or exc.__class__.__name__
    return text[:120]


def _to_srgb(image, icc: bytes | None):
    """RGB in sRGB: other colour profiles converted, alpha flattened onto white."""
    from PIL import Image, ImageCms

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image.convert("RGB"), source, ImageCms.createProfile("sRGB"))
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are
    return image.convert("RGB")


def check_one_face(rgb: np.ndarray, *, what: str) -> None:
    """Exactly one face (a small one in the background does not count)."""
    import cv2

    from signal_core.face.landmarks import detect_faces
    from signal_core.face.quality import face_count_problem

    longest = max(rgb.shape[:2])
    if longest > FACE_CHECK_SIDE:
        factor = FACE_CHECK_SIDE / longest
        rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    problem = face_count_problem(detect_faces(np.ascontiguousarray(rgb)))
    if problem is not None:
        message = problem.message.replace("this photo", f"this {what}").replace("the photo", f"the {what}")
        raise DomainError(message, code=problem.code, field="file")


@dataclass
class CheckedVideo:
    path: str  # a temporary copy; the caller deletes it
    extension: str
    content_type: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    middle_frame: np.ndarray


VIDEO_TYPES = {"mp4": (".mp4", "video/mp4"), "webm": (".webm", "video/webm"), "avi": (".avi", "video/x-msvideo")}


def check_video(upload: UploadedFile) -> CheckedVideo:
    """Write the upload to a temporary file and check it decodes; the caller removes ``path``."""
    import cv2

    from signal_core.face.landmarks import probe_video

    limit = video_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise DomainError(
            f"This video is {_size_text(upload.size)}; the limit is {_size_text(limit)}.",
            code="too_large",
            field="file",
        )
    upload.seek(0)
    head = upload.read(16)
    kind = sniff(head)
    if kind not in VIDEO_TYPES:
        raise DomainError(
            "This file is not an MP4, MOV, WebM or AVI video (its content was checked, not its name).",
            code="not_a_video",
            field="file",
        )
    extension, content_type = VIDEO_TYPES[kind]
    handle, path = tempfile.mkstemp(suffix=extension, prefix="retrain-upload-")
    written = 0
    try:
        with os.fdopen(handle, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():  # from the first byte again
                out.write(chunk)
                written += len(chunk)
                if written > limit:
                    raise DomainError(f"This video is larger than {_size_text(limit)}.", code="too_large", field="file")
        info = probe_video(path)
        if info is None:
            raise DomainError("The video is damaged or cannot be decoded.", code="corrupt", field="file")
        if info.duration_s > VIDEO_MAX_SECONDS:
            raise DomainError(
                f"This video lasts {info.duration_s:.0f} s; the limit is {VIDEO_MAX_SECONDS:.0f} s. Film each "
                "expression or the sequence separately.",
                code="too_long",
                field="file",
            )
        if max(info.width, info.height) > VIDEO_MAX_SIDE:
            raise DomainError(f"The video is larger than {VIDEO_MAX_SIDE} px.", code="too_large", field="file")
        capture = cv2.VideoCapture(path)
        try:
            capture.set(cv2.CAP_PROP_POS_FRAMES, max(info.frame_count // 2, 0))
            ok, frame = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
        finally:
            capture.release()
        if not ok:
            raise DomainError("The video is damaged or cannot be decoded.", code="corrupt", field="file")
        middle = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        check_one_face(middle, what="video")
        return CheckedVideo(
            path=path,
            extension=extension,
            content_type=content_type,
            width=info.width,
            height=info.height,
            fps=info.fps,
            frame_count=info.frame_count,
            duration_s=info.duration_s,
            middle_frame=middle,
        )
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
