from django.apps import AppConfig


class TherapyConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions.
    name = "sessions"
    label = "therapy"
    verbose_name = "Therapy: EMG sessions and home programs"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from clinic.models import Clinic
        from sessions.programs.seed import seed_new_clinic

        post_save.connect(seed_new_clinic, sender=Clinic, dispatch_uid="therapy.seed_new_clinic")
