"""The printable evaluation report (PDF, reportlab): patient, scales item by item with their scores,
provisional labels and formulas, muscle review, sensation, patient-reported scores, notes,
signature and amendments, and a small chart of the main scores up to this evaluation."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from patients.evaluations.presenters import evaluation_sections
from patients.models import Evaluation
from patients.questionnaires.selectors import questionnaires_near
from patients.scales import house_brackmann

BRAND = colors.HexColor("#0f766e")
LINE = colors.HexColor("#d9e2ec")
MUTED = colors.HexColor("#52606d")
PROVISIONAL = colors.HexColor("#b45309")
# The standard PDF fonts only carry the Windows-1252 characters; map the few others we use.
_REPLACE = {"−": "-", "→": "->", "↓": "(lower is better)", "≥": ">=", "≤": "<=", "“": '"', "”": '"'}


def _plain(text) -> str:
    """Text the standard fonts can draw."""
    value = "" if text is None else str(text)
    for source, target in _REPLACE.items():
        value = value.replace(source, target)
    return value.encode("cp1252", "replace").decode("cp1252")


def _t(text) -> str:
    """Text safe for Paragraph markup and the standard fonts."""
    return _plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def _styles() -> dict:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=17, textColor=BRAND, spaceAfter=2, alignment=0),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=12.5, textColor=BRAND, spaceBefore=10, spaceAfter=4
        ),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontSize=10.5, spaceBefore=6, spaceAfter=2),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=9.2, leading=12),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=8.6, leading=10.5),
        "prov": ParagraphStyle("prov", parent=base["BodyText"], fontSize=8, leading=10, textColor=PROVISIONAL),
        "right": ParagraphStyle("right", parent=base["BodyText"], fontSize=8.6, leading=10.5, alignment=TA_RIGHT),
    }


def _table(rows, widths, *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("FONTSIZE", (0, 0), (-1, -1), 8.6),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f5f9")),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ]
    table.setStyle(TableStyle(style))
    return table


def _p(text, style) -> Paragraph:
    return Paragraph(_t(text), style)


def _trend_chart(evaluation: Evaluation) -> Drawing | None:
    """Sunnybrook composite and eFACE total of the signed evaluations up to this one."""
    history = (
        evaluation.patient.evaluations.filter(
            status=Evaluation.Status.COMPLETED, performed_on__lte=evaluation.performed_on
        )
        .prefetch_related("scales")
        .order_by("performed_on", "pk")
    )
    series = {"sunnybrook": [], "eface": []}
    first_day = None
    for item in history:
        first_day = first_day or item.performed_on
        day = (item.performed_on - first_day).days
        for entry in item.scales.all():
            key = {"sunnybrook": "composite", "eface": "total"}.get(entry.scale)
            if key and entry.scores.get(key) is not None:
                series[entry.scale].append((day, float(entry.scores[key])))
    lines = [points for points in series.values() if len(points) >= 2]
    if not lines:
        return None
    drawing = Drawing(170 * mm, 55 * mm)
    plot = LinePlot()
    plot.x, plot.y = 12 * mm, 10 * mm
    plot.width, plot.height = 150 * mm, 38 * mm
    data = [series["sunnybrook"] or [(0, 0)], series["eface"] or [(0, 0)]]
    plot.data = data
    plot.yValueAxis.valueMin = -15
    plot.yValueAxis.valueMax = 100
    plot.yValueAxis.valueStep = 25
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.labelTextFormat = "%d d"
    plot.lines[0].strokeColor = BRAND
    plot.lines[0].strokeWidth = 1.6
    plot.lines[0].symbol = makeMarker("FilledCircle")
    plot.lines[1].strokeColor = colors.HexColor("#db2777")
    plot.lines[1].strokeWidth = 1.6
    plot.lines[1].strokeDashArray = [4, 2]
    plot.lines[1].symbol = makeMarker("FilledSquare")
    if not series["eface"]:
        plot.lines[1].strokeColor = colors.white
    if not series["sunnybrook"]:
        plot.lines[0].strokeColor = colors.white
    drawing.add(plot)
    drawing.add(
        String(
            12 * mm,
            51 * mm,
            "Sunnybrook composite (solid), eFACE total, provisional (dashed); days since first evaluation",
            fontSize=7.5,
            fillColor=MUTED,
        )
    )
    return drawing


def build_evaluation_report(evaluation: Evaluation, *, compress: bool = True) -> bytes:
    evaluation = (
        Evaluation.objects.select_related("patient", "patient__clinic", "clinician", "completed_by")
        .prefetch_related("scales", "amendments__by")
        .get(pk=evaluation.pk)
    )
    patient = evaluation.patient
    s = _styles()
    buffer = BytesIO()
    title = f"Evaluation {evaluation.performed_on:%d %b %Y} - {patient.full_name}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=_t(title),
        author="Retrain",
        subject="Facial function evaluation",
        pageCompression=1 if compress else 0,
    )
    width = A4[0] - 32 * mm
    sections = evaluation_sections(evaluation)
    story: list = []

    status = "Signed" if evaluation.is_locked else "DRAFT - not signed"
    story.append(_p(f"{evaluation.get_kind_display()}: facial function", s["title"]))
    story.append(_p(f"{patient.clinic.name} · printed {timezone.localtime():%d %b %Y %H:%M} · {status}", s["small"]))
    story.append(Spacer(1, 4 * mm))

    onset = ""
    if patient.onset_date:
        onset = f"{patient.onset_date:%d %b %Y} ({(evaluation.performed_on - patient.onset_date).days} days before)"
    facts = [
        ["Patient", f"{patient.full_name} (#{patient.record_number})", "Date", f"{evaluation.performed_on:%d %b %Y}"],
        [
            "Born",
            f"{patient.date_of_birth:%d %b %Y}" if patient.date_of_birth else "-",
            "Clinician",
            evaluation.clinician.display_name,
        ],
        [
            "Cause",
            patient.get_etiology_display() + (f" - {patient.etiology_detail}" if patient.etiology_detail else ""),
            "Affected side",
            patient.get_affected_side_display(),
        ],
        ["Onset", onset or "-", "Stage", patient.get_stage_display()],
    ]
    story.append(
        _table(
            [[_p(c, s["cell"]) for c in row] for row in facts],
            [22 * mm, 68 * mm, 24 * mm, width - 114 * mm],
            header=False,
        )
    )

    hb, sb, ef = sections["house_brackmann"]["scores"], sections["sunnybrook"]["scores"], sections["eface"]["scores"]
    story.append(_p("Summary", s["h2"]))
    summary = [
        ["House-Brackmann", "Sunnybrook composite", "eFACE total (provisional)", "eFACE static / dynamic / synkinesis"],
        [
            hb.get("grade_roman") or "-",
            _num(sb.get("composite")),
            _num(ef.get("total")),
            f"{_num(ef.get('static'))} / {_num(ef.get('dynamic'))} / {_num(ef.get('synkinesis'))}",
        ],
    ]
    story.append(_table([[_p(c, s["cell"]) for c in row] for row in summary], [width / 4] * 4))
    chart = _trend_chart(evaluation)
    if chart is not None:
        story.append(Spacer(1, 3 * mm))
        story.append(chart)

    # House-Brackmann
    section = sections["house_brackmann"]
    if section["started"]:
        block = [_p(f"House-Brackmann ({section['version']})", s["h2"])]
        grade = hb.get("grade")
        if grade:
            d = house_brackmann.GRADE_BY_NUMBER[grade]
            block.append(_p(f"Grade {d.roman} - {d.name}: {d.overall}", s["body"]))
            block.append(
                _p(
                    f"Rest: {d.rest} Forehead: {d.forehead} Eye: {d.eye} Mouth: {d.mouth} Synkinesis: {d.synkinesis}",
                    s["small"],
                )
            )
        if hb.get("measured_points") is not None:
            block.append(
                _p(
                    f"Measurement: brow {section['fields']['brow_rise_mm']['value']} mm "
                    f"({hb['measured_brow_points']} pts), commissure "
                    f"{section['fields']['commissure_excursion_mm']['value']} mm "
                    f"({hb['measured_commissure_points']} pts) = {hb['measured_points']} of 8 "
                    f"-> grade {hb['measured_grade_roman']}",
                    s["body"],
                )
            )
        story.append(KeepTogether(block))

    # Sunnybrook
    section = sections["sunnybrook"]
    if section["started"]:
        story.append(_p(f"Sunnybrook Facial Grading System ({section['version']})", s["h2"]))
        rows = [["Resting symmetry", "Answer", "Points"]]
        for field in section["resting"]:
            option = next((o for o in field["options"] if o["checked"]), None)
            rows.append([field["label"], field["display"], _num(option["points"]) if option else "-"])
        rows.append(["Resting score", "sum x 5", _num(sb.get("resting"))])
        story.append(_table([[_p(c, s["cell"]) for c in row] for row in rows], [60 * mm, width - 85 * mm, 25 * mm]))
        story.append(Spacer(1, 2 * mm))
        rows = [["Expression", "Voluntary movement (1-5)", "Synkinesis (0-3)"]]
        for expression in section["expressions"]:
            rows.append([expression["label"], expression["voluntary"]["display"], expression["synkinesis"]["display"]])
        rows.append(["Scores", f"sum x 4 = {_num(sb.get('voluntary'))}", _num(sb.get("synkinesis"))])
        story.append(
            _table(
                [[_p(c, s["cell"]) for c in row] for row in rows],
                [45 * mm, (width - 45 * mm) / 2, (width - 45 * mm) / 2],
            )
        )
        story.append(
            _p(
                f"Composite = voluntary - resting - synkinesis = {_num(sb.get('composite'))} "
                "(range -15 to 100; healthy faces 65-100). "
                "Item points as documented; to be verified against the official form.",
                s["small"],
            )
        )

    # eFACE
    section = sections["eface"]
    if section["started"]:
        story.append(_p(f"eFACE ({section['version']})", s["h2"]))
        rows = [["Group", "Item", "Graded", "Item score"]]
        for group in section["groups"]:
            for field in group["fields"]:
                rows.append([group["label"], field["label"], field["display"], _num(field.get("item_score"))])
        story.append(
            _table([[_p(c, s["cell"]) for c in row] for row in rows], [32 * mm, width - 82 * mm, 25 * mm, 25 * mm])
        )
        scores = [
            [
                "Static",
                _num(ef.get("static")),
                "Dynamic",
                _num(ef.get("dynamic")),
                "Synkinesis",
                _num(ef.get("synkinesis")),
            ],
            [
                "Total*",
                _num(ef.get("total")),
                "Periocular*",
                _num(ef.get("periocular")),
                "Midface and smile*",
                _num(ef.get("midface_smile")),
            ],
            ["Lower face and neck*", _num(ef.get("lower_face_neck")), "", "", "", ""],
        ]
        story.append(Spacer(1, 2 * mm))
        story.append(_table([[_p(c, s["cell"]) for c in row] for row in scores], [width / 6] * 6, header=False))
        story.append(
            _p(
                "* Provisional until verified against the publication: total = mean of the 15 item scores; "
                "each zone = mean of its items. Item score: static 100 - |100 - raw|, others as graded.",
                s["prov"],
            )
        )

    # Muscle review and sensation
    section = sections["muscle_review"]
    if section["started"]:
        story.append(_p("Muscle review (affected side)", s["h2"]))
        rows = [["Muscle", "Movement", "Tone", "Synkinesis"]]
        for row in section["rows"]:
            if any(row[k]["value"] for k in ("movement", "tone", "synkinesis")):
                rows.append(
                    [row["name"], row["movement"]["display"], row["tone"]["display"], row["synkinesis"]["display"]]
                )
        story.append(
            _table([[_p(c, s["cell"]) for c in r] for r in rows], [55 * mm, 45 * mm, 40 * mm, width - 140 * mm])
        )
    section = sections["sensation"]
    if section["started"]:
        story.append(_p("Sensation and symptoms", s["h2"]))
        rows = [["Finding", "Result"]] + [[f["label"], f["display"]] for f in section["answered"]]
        story.append(_table([[_p(c, s["cell"]) for c in r] for r in rows], [80 * mm, width - 80 * mm]))
        for flag in section["scores"].get("flags", []):
            story.append(_p(flag, s["body"]))

    nearby = questionnaires_near(patient, evaluation)
    if nearby:
        story.append(_p("Patient-reported, beside this evaluation", s["h2"]))
        rows = [["Questionnaire", "Completed", "Scores"]]
        for assignment in nearby:
            definition = assignment.definition
            parts = [
                f"{d['label']} {_num(assignment.scores.get(d['key']))}"
                + ("*" if d["key"] in definition.provisional else "")
                for d in definition.scores
                if assignment.scores.get(d["key"]) is not None
            ]
            rows.append([definition.full_title, f"{assignment.completed_at:%d %b %Y}", "; ".join(parts)])
        story.append(_table([[_p(c, s["cell"]) for c in r] for r in rows], [50 * mm, 24 * mm, width - 74 * mm]))
        story.append(
            _p("* provisional formula. SAQ: higher means more synkinesis; FaCE and FDI: higher is better.", s["small"])
        )

    story.append(_p("Notes", s["h2"]))
    story.append(_p(evaluation.notes or "No notes.", s["body"]))

    story.append(_p("Signature", s["h2"]))
    if evaluation.is_locked:
        story.append(
            _p(
                f"Signed by {evaluation.completed_by.display_name} on "
                f"{timezone.localtime(evaluation.completed_at):%d %b %Y %H:%M}. "
                f"Content digest (SHA-256): {evaluation.signed_digest}",
                s["body"],
            )
        )
    else:
        story.append(_p("Not signed: this is a draft.", s["body"]))
    amendments = list(evaluation.amendments.all())
    if amendments:
        story.append(_p("Amendments after signing", s["h3"]))
        rows = [["When", "Who", "Section", "Reason", "Changes"]]
        for a in amendments:
            changes = "; ".join(f"{c['item']}: {_num(c['before'])} -> {_num(c['after'])}" for c in a.changes)
            rows.append([f"{timezone.localtime(a.at):%d %b %Y %H:%M}", a.by.display_name, a.section, a.reason, changes])
        story.append(
            _table(
                [[_p(c, s["cell"]) for c in r] for r in rows], [26 * mm, 28 * mm, 24 * mm, 45 * mm, width - 123 * mm]
            )
        )

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            16 * mm, 9 * mm, _plain(f"{patient.full_name} #{patient.record_number} · confidential patient information")
        )
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
