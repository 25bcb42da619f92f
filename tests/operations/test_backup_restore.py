"""scripts/backup then scripts/restore into an EMPTY new database and media folder: every row of
every table and every media file (same SHA-256) comes back. The source is the demo clinic (all demo
seeders: record, evaluations, graded photos, home programs, edge device) in a private PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from scripts.backup_restore import table_counts
from tests.harness.faults import migrate
from tests.harness.servers import ROOT, child_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _run(args: list[str], **env: str) -> dict:
    result = subprocess.run(
        args, cwd=ROOT, env=child_env(PYTHON=sys.executable, **env), capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1]) if args[0].startswith("scripts/") else {}


def _files(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def test_a_restored_backup_holds_every_row_and_every_file(private_postgres, tmp_path, test_output_dir):
    source_url = private_postgres.create_database("retrain_source")
    source_media, target_media, backup_dir = tmp_path / "media", tmp_path / "restored-media", tmp_path / "backup"
    migrate(source_url)
    common = {"MEDIA_ROOT": str(source_media), "DB_POOL": "0", "CELERY_EAGER": "1"}
    _run([sys.executable, "manage.py", "seed_demo"], DATABASE_URL=source_url, **common)
    before = table_counts(source_url)
    files_before = _files(source_media)
    assert before["patients_patient"] >= 3 and before["patients_mediaasset"] >= 8 and len(files_before) >= 8

    backed_up = _run(["scripts/backup", str(backup_dir)], DATABASE_URL=source_url, MEDIA_ROOT=str(source_media))
    assert backed_up["rows"] == sum(before.values())

    target_url = private_postgres.create_database("retrain_restored")  # empty: no schema at all
    restored = _run(["scripts/restore", str(backup_dir)], DATABASE_URL=target_url, MEDIA_ROOT=str(target_media))
    assert restored["verified"] is True

    after = table_counts(target_url)
    assert after == before
    assert _files(target_media) == files_before
    # A restore never goes over existing data.
    again = subprocess.run(
        ["scripts/restore", str(backup_dir)],
        cwd=ROOT,
        env=child_env(PYTHON=sys.executable, DATABASE_URL=target_url, MEDIA_ROOT=str(tmp_path / "other")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "not empty" in again.stderr
    figures = {"tables": len(after), "rows_restored": sum(after.values()), "media_files_restored": len(files_before)}
    (test_output_dir / "backup-restore.json").write_text(json.dumps(figures, indent=2))
