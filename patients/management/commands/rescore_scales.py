"""Rescore stored scale answers with the current scoring code (after a formula is verified or fixed)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from patients.evaluations.services import evaluation_scale_rescore, scale_entries_to_rescore
from patients.scales import SCALES


class Command(BaseCommand):
    help = "List (or, with --apply, rescore) evaluation scales scored with an older version of their formula."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), help="Only this scale.")
        parser.add_argument("--apply", action="store_true", help="Store the new scores (audited).")

    def handle(self, *args, scale=None, apply=False, **options):
        entries = scale_entries_to_rescore(scale)
        if not entries:
            self.stdout.write("Every stored scale is scored with the current version.")
            return
        for entry in entries:
            current = SCALES[entry.scale].VERSION
            line = f"evaluation {entry.evaluation_id} {entry.scale}: {entry.scoring_version or '(none)'} -> {current}"
            if apply:
                try:
                    change = evaluation_scale_rescore(entry=entry)
                except ValueError as exc:
                    raise CommandError(f"{line}: stored answers do not fit {current}: {exc}") from exc
                keys = [d["key"] for d in SCALES[entry.scale].SCORES]
                moved = {k: (change["before"].get(k), change["after"].get(k)) for k in keys}
                line += " " + ", ".join(f"{k} {a}->{b}" for k, (a, b) in moved.items() if a != b)
            self.stdout.write(line)
        if not apply:
            self.stdout.write(self.style.WARNING(f"{len(entries)} to rescore; run again with --apply to store."))
