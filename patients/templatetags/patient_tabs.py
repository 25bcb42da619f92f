from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("patients/_tabs.html")
def patient_tabs(patient, active: str):
    """The tab bar of a patient's pages; areas register their tab in settings.PATIENT_TABS."""
    tabs = [
        {"key": key, "label": label, "url": reverse(url_name, args=[patient.pk]), "active": key == active}
        for key, label, url_name in settings.PATIENT_TABS
    ]
    return {"tabs": tabs}
