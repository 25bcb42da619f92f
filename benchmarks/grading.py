"""Photo and video grading speed on one CPU core: ``python -m benchmarks.grading``.

Prints JSON: milliseconds per photo for the whole per-photo grading step (decode the stored JPEG,
find the face, check it, refine the landmarks, measure, draw and encode the overlay) and the frames
per second of video grading at 720p (decode, FaceMesh tracking, refinement, then the time series).
FaceMesh alone is timed in the same run as the reference the pipeline is compared with.

The process pins itself to one core before numpy, OpenCV or MediaPipe start their thread pools.
Targets: at most 100 ms per photo; video at least real time (30 fps at 720p).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

PHOTO_TARGET_MS = 100.0
VIDEO_TARGET_FPS = 30.0


def _photos() -> dict[str, bytes]:
    from PIL import Image

    from patients.media.demo import expression_photos
    from signal_core.face import indices as ix

    out = {}
    for view, rgb in expression_photos(0.6, ix.RIGHT).items():
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="JPEG", quality=92)
        out[view] = buffer.getvalue()
    return out


def _grade_photo(data: bytes) -> None:
    from PIL import Image

    from signal_core.face import geometry as g
    from signal_core.face.overlay import draw_overlay, encode_jpeg
    from signal_core.face.pipeline import analyse_photo

    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    analysis = analyse_photo(rgb)
    if analysis.usable:
        g.measure(analysis.landmarks)
        encode_jpeg(draw_overlay(rgb, analysis.landmarks))


def bench_photos(rounds: int) -> dict:
    from PIL import Image

    from signal_core.face.landmarks import detect_faces

    photos = _photos()
    for data in photos.values():  # warm-up: graph start, first inference
        _grade_photo(data)
    per_photo, per_photo_cpu, facemesh_only = [], [], []
    decoded = {view: np.asarray(Image.open(io.BytesIO(d)).convert("RGB")) for view, d in photos.items()}
    for _ in range(rounds):
        for view, data in photos.items():
            start, cpu = time.perf_counter(), time.process_time()
            _grade_photo(data)
            per_photo.append((time.perf_counter() - start) * 1000)
            per_photo_cpu.append((time.process_time() - cpu) * 1000)
            start = time.perf_counter()
            detect_faces(decoded[view])
            facemesh_only.append((time.perf_counter() - start) * 1000)
    height, width = next(iter(decoded.values())).shape[:2]
    median = statistics.median(per_photo)
    return {
        "photo_size": f"{width}x{height}",
        "photos_timed": len(per_photo),
        "ms_per_photo_median": round(median, 1),
        "ms_per_photo_p90": round(float(np.percentile(per_photo, 90)), 1),
        "cpu_ms_per_photo_median": round(statistics.median(per_photo_cpu), 1),
        "facemesh_only_ms_median": round(statistics.median(facemesh_only), 1),
        "pipeline_over_facemesh": round(median / statistics.median(facemesh_only), 2),
        "target_ms": PHOTO_TARGET_MS,
        "meets_target": median <= PHOTO_TARGET_MS,
    }


def _video_720p(path: str, seconds: float, fps: int) -> int:
    import cv2

    from signal_core.face import geometry as g
    from signal_core.face import indices as ix
    from signal_core.face.landmarks import detect_faces
    from signal_core.face.synthetic import Move, astronaut_portrait, fields_for, warp_image

    face_image = astronaut_portrait(3)
    face = detect_faces(face_image)[0]
    mm = float(g.iris_scale(face)[0])
    height, width = face_image.shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (1280, 720))
    frames = int(seconds * fps)
    x0 = (1280 - width) // 2
    for i in range(frames):
        t = i / fps
        k = 0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0)  # one smile every 2 s
        moves = [
            Move("commissure", ix.LEFT, -4.5 + 6 * k, -4.5 + 6 * k),
            Move("commissure", ix.RIGHT, -4.5 + 3 * k, -4.5 + 3 * k),
            Move("upper_lid", ix.RIGHT, 0, -1.5 * k),
        ]
        canvas = np.full((720, 1280, 3), 214, np.uint8)
        canvas[:, x0 : x0 + width] = warp_image(face_image, fields_for(face, mm, moves))[:720]
        writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    writer.release()
    return frames


def bench_video(seconds: float, rounds: int) -> dict:
    import cv2

    from signal_core.face.landmarks import iter_video_frames, video_landmarks
    from signal_core.face.video import analyse_landmarks

    handle, path = tempfile.mkstemp(suffix=".mp4", prefix="bench-720p-")
    os.close(handle)
    try:
        frames = _video_720p(path, seconds, 30)
        video_landmarks(path, max_frames=30)  # warm-up
        full, full_cpu, facemesh, decode = [], [], [], []
        for _ in range(rounds):
            start, cpu = time.perf_counter(), time.process_time()
            tracked = video_landmarks(path)
            analysis = analyse_landmarks(tracked.landmarks, tracked.times, tracked.found)
            full.append(time.perf_counter() - start)
            full_cpu.append(time.process_time() - cpu)
            start = time.perf_counter()
            video_landmarks(path, refine=False)
            facemesh.append(time.perf_counter() - start)
            start = time.perf_counter()
            for _ in iter_video_frames(path):
                pass
            decode.append(time.perf_counter() - start)
        capture = cv2.VideoCapture(path)
        size = f"{int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))}"
        capture.release()
        best = min(full)
        return {
            "video_size": size,
            "frames": frames,
            "faces_found": int(tracked.found.sum()),
            "episodes_found": len(analysis.episodes),
            "fps_full_grading": round(frames / best, 1),
            # CPU time of this process: what the frame rate would be with the core to itself (on a
            # shared machine the wall clock also counts time spent waiting for the core).
            "fps_full_grading_cpu_time": round(frames / min(full_cpu), 1),
            "fps_facemesh_tracking_only": round(frames / min(facemesh), 1),
            "fps_decode_only": round(frames / min(decode), 1),
            "ms_per_frame_full": round(best / frames * 1000, 2),
            "cpu_ms_per_frame_full": round(min(full_cpu) / frames * 1000, 2),
            "target_fps": VIDEO_TARGET_FPS,
            "meets_target": frames / best >= VIDEO_TARGET_FPS,
        }
    finally:
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="photo rounds over the 8 views / video passes")
    parser.add_argument("--video-seconds", type=float, default=6.0)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    import cv2

    cv2.setNumThreads(1)
    result = {
        "benchmark": "grading",
        "cores_used": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "numpy": np.__version__,
            "opencv": cv2.__version__,
        },
        "photo": bench_photos(args.rounds),
        "video": bench_video(args.video_seconds, max(1, args.rounds - 1)),
    }
    import mediapipe

    result["machine"]["mediapipe"] = mediapipe.__version__
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
