"""The printable handout of a home program: plain language, large type (reportlab)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from sessions.models import Area, Program
from sessions.programs import schedule

BRAND = colors.HexColor("#0f766e")
BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=14, leading=19, alignment=TA_LEFT, spaceAfter=4)
SMALL = ParagraphStyle("small", parent=BASE, fontSize=11, leading=14, textColor=colors.HexColor("#52606d"))
TITLE = ParagraphStyle(
    "title", parent=BASE, fontName="Helvetica-Bold", fontSize=24, leading=29, textColor=BRAND, spaceAfter=6
)
H2 = ParagraphStyle("h2", parent=BASE, fontName="Helvetica-Bold", fontSize=18, leading=23, spaceBefore=10, spaceAfter=4)
H3 = ParagraphStyle(
    "h3", parent=BASE, fontName="Helvetica-Bold", fontSize=16, leading=20, spaceBefore=8, textColor=BRAND
)
CUE = ParagraphStyle(
    "cue",
    parent=BASE,
    fontName="Helvetica-Oblique",
    backColor=colors.HexColor("#fdf4ff"),
    borderPadding=4,
    spaceBefore=2,
    spaceAfter=6,
)
SUMMARY = ParagraphStyle("summary", parent=BASE, fontSize=13, leading=17, textColor=colors.HexColor("#52606d"))
CAUTION = ParagraphStyle("caution", parent=BASE, fontSize=13, leading=17, textColor=colors.HexColor("#78350f"))


def _p(text: str, style=BASE) -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape(text), style)


def _area_label(value: str) -> str:
    return dict(Area.choices).get(value, value)


def _image_for(version, width: float):
    media = version.exercise.media.filter(kind="image").first()
    if media is None:
        return None
    try:
        with media.file.open("rb") as handle:
            data = BytesIO(handle.read())
        image = Image(data)
        ratio = image.imageHeight / image.imageWidth if image.imageWidth else 0.75
        image.drawWidth, image.drawHeight = width, width * ratio
        return image
    except Exception:  # noqa: BLE001 - a broken image must not stop the handout
        return None


def program_handout_pdf(program: Program) -> bytes:
    buffer = BytesIO()
    patient = program.patient
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Home program — {patient.full_name}",
        author=program.clinic.name,
        subject="Home exercise program",
    )
    items = list(program.items.select_related("version__exercise").order_by("order", "id"))
    story: list = [
        _p("Your home program", TITLE),
        _p(f"{patient.full_name} · {program.clinic.name}", BASE),
        _p(
            f"{program.title} · from {program.start_date:%d %B %Y}"
            + (f" to {program.end_date:%d %B %Y}" if program.end_date else ""),
            SMALL,
        ),
        _p(
            f"Your therapist: {program.author.display_name}"
            + (f" · clinic phone {program.clinic.phone}" if program.clinic.phone else ""),
            SMALL,
        ),
        HRFlowable(width="100%", color=BRAND, thickness=1.5, spaceBefore=4, spaceAfter=6),
    ]
    if program.message:
        story += [_p(program.message, CUE)]
    story += [
        _p("How to practise", H2),
        ListFlowable(
            [
                ListItem(_p(t))
                for t in (
                    "Practise every day, in short calm sessions. Little and often works best.",
                    "Move slowly and gently. Never force the face or push with effort in front of a mirror.",
                    "Pair each movement with its feeling — think of something happy when you smile.",
                    "If your face feels tight or starts to pull (about "
                    f"{program.effective_threshold} out of 10 or more), stop the movement exercises for the day and "
                    "do your release and massage work instead. Note it in the app so your therapist knows.",
                    "Log what you did in the app after each practice.",
                )
            ],
            bulletType="bullet",
            start="•",
            leftIndent=14,
            bulletFontSize=14,
        ),
    ]
    if program.rotation:
        story.append(_p("Which areas on which day", H2))
        rows = [
            [_p(f"Day {chr(65 + i)}", BASE), _p(", ".join(_area_label(a) for a in group), BASE)]
            for i, group in enumerate(program.rotation)
        ]
        rows.append([_p("Every day", BASE), _p("everything else in this program", BASE)])
        table = Table(rows, colWidths=[32 * mm, None])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#d9e2ec")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#ccfbf1")),
                ]
            )
        )
        story += [_p("The days follow each other in turn: A, B, C, then A again.", SMALL), table]
    release = [i for i in items if i.version.kind in ("release", "care")]
    story.append(_p("Your exercises", H2))
    for number, item in enumerate(items, start=1):
        version = item.version
        dose = schedule.dose_of(item)
        block = [_p(f"{number}. {version.title}", H3)]
        if version.summary:
            block.append(_p(version.summary, SUMMARY))
        image = _image_for(version, 70 * mm)
        if image is not None:
            block.append(image)
        if version.emotional_cue:
            block.append(_p(f"The feeling: {version.emotional_cue}", CUE))
        block.append(
            ListFlowable(
                [ListItem(_p(step)) for step in version.steps], bulletType="1", leftIndent=18, bulletFontSize=14
            )
        )
        when = (
            "every day"
            if (item.every_day or version.area not in schedule.rotated_areas(program.rotation))
            else "on its rotation day"
        )
        block.append(_p(f"How much: {dose.describe()} ({when}).", BASE))
        if item.notes:
            block.append(_p(f"Note from your therapist: {item.notes}", BASE))
        if version.precautions:
            block.append(_p(f"Take care: {version.precautions}", CAUTION))
        story.append(KeepTogether(block))
    if release:
        story += [
            _p("On a tight day", H2),
            _p("Do only these, gently: " + ", ".join(i.version.title for i in release) + ".", BASE),
        ]
    story += [
        Spacer(1, 8),
        _p(
            f"Printed {timezone.localdate():%d %B %Y}. Keep it with you; your app has the same "
            "program with a timer and a log.",
            SMALL,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
