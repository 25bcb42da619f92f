"""EMG biofeedback at the chair: session workflow, live view, calibration, report (CLINICAL.md 7)."""
