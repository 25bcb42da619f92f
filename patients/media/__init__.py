"""The photo and video record of evaluations and its automated grading (CLINICAL.md sections 4-5).

validation (what an upload must be) · storage (private files through Django's storage API) ·
access (who may fetch which file) · services (writes) · grading (a run, step by step) ·
suggestions (Auto-eFACE and House-Brackmann from the measures) · selectors (reads) ·
views / api / tasks (thin) · hooks (tab, timeline, progress series, FHIR) · demo (seeder).
"""
