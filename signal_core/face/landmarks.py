"""The landmark detector adapter: MediaPipe FaceMesh with iris refinement -> numpy arrays.

mediapipe 0.10.14 ships the face detection, face mesh and iris models inside its wheel, so nothing
is downloaded. A FaceMesh graph is not thread-safe: ``detect_faces`` keeps one per thread; video
uses its own tracking instance (``FaceLandmarker(video=True)``) so consecutive frames are tracked
instead of re-detected.

Landmarks come back in image pixels: x right, y down, z depth in the same pixel units (negative is
towards the camera), shape (478, 3) per face.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from signal_core.face import indices as ix

# mediapipe logs through absl/glog to stderr; keep worker logs readable.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _check_image(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("expected an RGB image as a uint8 array of shape (height, width, 3)")
    return np.ascontiguousarray(rgb)


def face_width_px(face: np.ndarray) -> float:
    """Cheek-to-cheek width of one face (478, 2|3) in pixels."""
    return float(np.linalg.norm(face[ix.CHEEK_EDGE[1], :2] - face[ix.CHEEK_EDGE[0], :2]))


class FaceLandmarker:
    """One MediaPipe FaceMesh graph. ``video=True`` tracks one face across consecutive frames."""

    def __init__(self, *, video: bool = False, max_faces: int | None = None, min_confidence: float = 0.5):
        import mediapipe as mp

        self.video = video
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=not video,
            # Photos look for a second face so "several faces" can be reported; video tracks one.
            max_num_faces=max_faces or (1 if video else 3),
            refine_landmarks=True,
            min_detection_confidence=min_confidence,
            min_tracking_confidence=0.5,
        )

    def detect(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Faces in the image, largest first, each (478, 3) float64 in pixels."""
        rgb = _check_image(rgb)
        height, width = rgb.shape[:2]
        result = self._mesh.process(rgb)
        faces = []
        for face in result.multi_face_landmarks or []:
            coords = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
            if coords.shape[0] != ix.N_LANDMARKS:
                raise RuntimeError("FaceMesh returned no iris landmarks; refine_landmarks must be on")
            coords *= (width, height, width)
            faces.append(coords)
        faces.sort(key=face_width_px, reverse=True)
        return faces

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_local = threading.local()


def detect_faces(rgb: np.ndarray) -> list[np.ndarray]:
    """Faces in one photo (static mode), largest first; one detector kept per thread."""
    landmarker = getattr(_local, "static", None)
    if landmarker is None:
        landmarker = _local.static = FaceLandmarker()
    return landmarker.detect(rgb)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def probe_video(path: str) -> VideoInfo | None:
    """Dimensions, frame rate and length of a video file; None when it cannot be decoded."""
    import cv2

    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            return None
        ok, frame = capture.read()
        if not ok or frame is None:
            return None
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if count <= 0:  # some containers (WebM from browsers) carry no frame count: count them
            count = 1
            while capture.grab():
                count += 1
        return VideoInfo(width=frame.shape[1], height=frame.shape[0], fps=float(fps), frame_count=count)
    finally:
        capture.release()


def iter_video_frames(path: str, *, max_frames: int | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """(timestamp in seconds, RGB frame) for each decoded frame."""
    import cv2

    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise ValueError("the video cannot be decoded")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    index = 0
    try:
        while max_frames is None or index < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            msec = capture.get(cv2.CAP_PROP_POS_MSEC)
            timestamp = msec / 1000.0 if msec and msec > 0 else index / fps
            yield timestamp, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()


@dataclass(frozen=True)
class VideoLandmarks:
    """Landmarks of every frame of a video: (F, 478, 3), NaN where no face was found."""

    landmarks: np.ndarray
    times: np.ndarray  # (F,) seconds
    found: np.ndarray  # (F,) bool
    width: int
    height: int


def video_landmarks(path: str, *, max_frames: int | None = None, progress=None, refine: bool = True) -> VideoLandmarks:
    """Track one face through a video; each frame's landmarks are refined on the image like a
    photo's (``refine``). ``progress(done_frames)`` is called every 30 frames."""
    from signal_core.face.refine import refine_landmarks

    rows: list[np.ndarray] = []
    times: list[float] = []
    found: list[bool] = []
    width = height = 0
    empty = np.full((ix.N_LANDMARKS, 3), np.nan)
    with FaceLandmarker(video=True) as landmarker:
        for timestamp, frame in iter_video_frames(path, max_frames=max_frames):
            height, width = frame.shape[:2]
            faces = landmarker.detect(frame)
            if faces and refine:
                faces[0] = refine_landmarks(frame, faces[0]).landmarks
            rows.append(faces[0] if faces else empty)
            found.append(bool(faces))
            times.append(timestamp)
            if progress is not None and len(rows) % 30 == 0:
                progress(len(rows))
    if not rows:
        raise ValueError("the video has no frames")
    return VideoLandmarks(
        landmarks=np.stack(rows),
        times=np.asarray(times),
        found=np.asarray(found),
        width=width,
        height=height,
    )
