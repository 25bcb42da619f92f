from django.core.management.base import BaseCommand, CommandError

from clinic.models import Clinic
from sessions.programs.seed import library_seed_starter


class Command(BaseCommand):
    help = "Add the starter exercise library and stage templates to a clinic (or all). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="clinic slug; default: every clinic")

    def handle(self, *args, clinic=None, **options):
        clinics = Clinic.objects.all()
        if clinic:
            clinics = clinics.filter(slug=clinic)
            if not clinics.exists():
                raise CommandError(f"No clinic with slug {clinic!r}.")
        for item in clinics:
            result = library_seed_starter(clinic=item)
            self.stdout.write(
                f"{item.slug}: {result.exercises_created} exercises, {result.templates_created} templates added"
            )
