"""Face landmark measures for photos and video (no Django).

- ``landmarks``: the MediaPipe FaceMesh adapter (478 points with iris) for photos and video.
- ``refine``: moves the points the measures rest on onto their image edges.
- ``geometry``: the iris-line frame, the mm scale and every measure, vectorised over frames.
- ``quality``: blur, head turn, face size: stated reasons when a photo cannot be measured.
- ``pipeline``: one photo analysed; a visit's photo set calibrated and measured.
- ``video``: time series, peak excursion per expression, ocular synkinesis.
- ``overlay``: the annotated image.
- ``synthetic``: known displacements of a real photo, for accuracy tests and demo data.

See docs/photo-grading.md for the method, each measure's definition and the limits.
"""
