from django.urls import reverse


def navigation(request):
    """The navigation of the signed-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[tuple[str, str]] = []
    if user.role == "therapist":
        items = [("Caseload", reverse("patients:caseload"))]
        items += [(label, reverse(name)) for label, name in THERAPIST_EXTRA_NAV]
    elif user.role == "patient":
        items = [("Today", reverse("portal:home"))]
        items += [(label, reverse(name)) for label, name in PATIENT_EXTRA_NAV]
    elif user.role == "admin":
        items = [
            ("People", reverse("console:people")),
            ("Chairs & devices", reverse("console:devices")),
            ("Audit log", reverse("console:audit")),
            ("Settings", reverse("console:settings")),
        ]
    current = request.path
    # The longest matching prefix is the current entry (/portal/history/ is History, not Today).
    matches = [url for _, url in items if current.startswith(url) and url != "/"]
    best = max(matches, key=len) if matches else None
    return {"nav_items": [{"label": label, "url": url, "current": url == best} for label, url in items]}


# Feature areas add their entries here (label, url name) as they arrive.
THERAPIST_EXTRA_NAV: list[tuple[str, str]] = [
    ("Dashboard", "therapy:dashboard"),
    ("Appointments", "therapy:appointments"),
    ("Exercise library", "therapy:library"),
]
PATIENT_EXTRA_NAV: list[tuple[str, str]] = [
    ("History", "portal:history"),
    ("Appointments", "portal:appointments"),
]
