from __future__ import annotations

from django.shortcuts import render

from clinic.decorators import therapist_required
from patients.access import access_patient
from patients.progress.charts import legend, line_chart, swatch
from patients.progress.series import grouped, progress_series
from patients.selectors import evaluations_of


@therapist_required
def progress(request, patient_id: int):
    patient = access_patient(request.user, patient_id, action="patient.progress")
    charts = []
    for group in grouped(progress_series(patient)):
        entries = legend(group["series"])
        for entry in entries:
            entry["swatch"] = swatch(entry["color"])
            if entry["latest"] is not None and entry["first"] is not None and entry["count"] > 1:
                change = entry["latest"] - entry["first"]
                entry["change"] = round(change, 1)
                entry["improved"] = (change > 0) == entry["higher_is_better"] if change else None
        charts.append(
            {
                "name": group["name"],
                "svg": line_chart(group["series"], title=f"{group['name']} over time"),
                "legend": entries,
                "series": group["series"],
                "provisional": any(s.get("provisional") for s in group["series"]),
            }
        )
    evaluations = list(evaluations_of(patient))
    return render(
        request,
        "patients/progress.html",
        {"patient": patient, "active_tab": "progress", "charts": charts, "evaluations": evaluations},
    )
