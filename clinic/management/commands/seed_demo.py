from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from clinic.demo import DEMO_PASSWORD, seed_people


class Command(BaseCommand):
    help = "Create (or complete) the demo clinic: staff, patients, chairs, a simulated edge device."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            # The demo accounts share one published password.
            raise CommandError("The demo clinic is not created in production (DJANGO_ENV=production).")
        demo = seed_people()
        for dotted in getattr(settings, "DEMO_SEEDERS", []):
            import_string(dotted)(demo)
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {demo.clinic.name}"))
        self.stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
        self.stdout.write(f"  clinic admin : {demo.admin.username}")
        for therapist in demo.therapists:
            self.stdout.write(f"  therapist    : {therapist.username}")
        for patient in demo.patients:
            if patient.user_id:
                self.stdout.write(f"  patient      : {patient.user.username}")
        self.stdout.write(f"  device token : {demo.device_token_file}")
