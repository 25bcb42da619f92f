"""Indices into the 478 landmarks of MediaPipe FaceMesh with iris refinement.

"Right" and "left" are always the subject's own sides. In a frontal (unmirrored) photograph the
subject's right side is on the image's left. Contours run from the outer (lateral) end to the inner
(medial) end, or from one mouth corner to the other, so they can be interpolated along x.
"""

from __future__ import annotations

N_LANDMARKS = 478
RIGHT, LEFT = 0, 1  # column order of every per-side array: subject's right, subject's left
SIDES = ("right", "left")

# Iris (only present with refine_landmarks=True): centre, then four points on the iris boundary.
IRIS_CENTRE = (468, 473)
# Horizontal ends of each iris (the visible horizontal iris diameter is what 11.77 mm refers to).
IRIS_HORIZONTAL = ((469, 471), (474, 476))
IRIS_VERTICAL = ((470, 472), (475, 477))

# Eyelid margins, lateral canthus -> medial canthus.
UPPER_LID = (
    (33, 246, 161, 160, 159, 158, 157, 173, 133),
    (263, 466, 388, 387, 386, 385, 384, 398, 362),
)
LOWER_LID = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133),
    (263, 249, 390, 373, 374, 380, 381, 382, 362),
)
LATERAL_CANTHUS = (33, 263)
MEDIAL_CANTHUS = (133, 362)

# Upper border of each eyebrow, lateral -> medial.
BROW_UPPER = ((70, 63, 105, 66, 107), (300, 293, 334, 296, 336))
BROW_LOWER = ((46, 53, 52, 65, 55), (276, 283, 282, 295, 285))

# Mouth.
COMMISSURE = (61, 291)  # outer mouth corners
LOWER_LIP_MIDLINE = 17  # lower vermilion border at the midline
UPPER_LIP_MIDLINE = 0
INNER_LIP_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)  # subject's right inner corner -> left
INNER_LIP_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
OUTER_LIP_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
OUTER_LIP_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)

# Face outline and midline points used for head pose and framing.
CHEEK_EDGE = (234, 454)
TEMPLE = (127, 356)  # face outline at eye level
NOSE_TIP = 1
NASION = 168
FOREHEAD = 10
CHIN = 152
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
