from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest


@lru_cache(maxsize=2)
def _portrait_face(scale: int) -> tuple[np.ndarray, np.ndarray]:
    from signal_core.face.landmarks import detect_faces
    from signal_core.face.synthetic import astronaut_portrait

    image = astronaut_portrait(scale)
    return image, detect_faces(image)[0]


@pytest.fixture
def portrait():
    """The astronaut portrait enlarged 3× (iris ~25 px) and FaceMesh's landmarks on it."""
    image, face = _portrait_face(3)
    return image.copy(), face.copy()
