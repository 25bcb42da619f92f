"""FHIR R4B export of the patient record (Bundle), and the project's published CodeSystem and Questionnaires."""
