"""Backup and restore of a Retrain installation: the PostgreSQL database (pg_dump custom format) and
the media folder (a tarball), with a manifest of row counts per table and a SHA-256 per file.

    scripts/backup  <backup-dir>    # reads DATABASE_URL (or DATABASE_URL_FILE) and MEDIA_ROOT
    scripts/restore <backup-dir>    # into an EMPTY database and an empty media folder, then verifies

Needs only the PostgreSQL client tools (pg_dump, pg_restore, psql) and Python 3; no Django.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path


def _env(name: str) -> str:
    path = os.environ.get(f"{name}_FILE")
    value = Path(path).read_text().strip() if path else os.environ.get(name, "")
    if not value:
        sys.exit(f"{name} (or {name}_FILE) must be set")
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _psql(url: str, sql: str) -> list[list[str]]:
    out = subprocess.run(
        ["psql", url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def table_counts(url: str) -> dict[str, int]:
    tables = [
        row[0]
        for row in _psql(
            url,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
    ]
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)  # noqa: S608 - catalogue names
    return {name: int(count) for name, count in _psql(url, union)}


def media_checksums(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def backup(target: Path) -> dict:
    url, media = _env("DATABASE_URL"), Path(_env("MEDIA_ROOT"))
    target.mkdir(parents=True, exist_ok=True)
    # Counts first, then the dump in one snapshot: on a live system rows written in between show up
    # as a difference the restore reports (take backups from a quiet system or a replica to compare).
    counts = table_counts(url)
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(target / "database.dump"), url], check=True
    )
    files = media_checksums(media)
    with tarfile.open(target / "media.tar.gz", "w:gz") as archive:
        for name in files:
            archive.add(media / name, arcname=name)
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": counts,
        "rows": sum(counts.values()),
        "media_files": files,
        "artifacts": {name: _sha256(target / name) for name in ("database.dump", "media.tar.gz")},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return {"tables": len(counts), "rows": manifest["rows"], "media_files": len(files)}


def restore(source: Path) -> dict:
    url, media = _env("DATABASE_URL"), Path(_env("MEDIA_ROOT"))
    manifest = json.loads((source / "manifest.json").read_text())
    for name, digest in manifest["artifacts"].items():
        if _sha256(source / name) != digest:
            sys.exit(f"{name} does not match its checksum in the manifest; not restoring")
    if table_counts(url):
        sys.exit("the target database is not empty; restore only into a new, empty database")
    if media.exists() and any(media.iterdir()):
        sys.exit(f"the media folder {media} is not empty; restore only into an empty folder")
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            url,
            str(source / "database.dump"),
        ],
        check=True,
    )
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
        archive.extractall(media, filter="data")
    counts, files = table_counts(url), media_checksums(media)
    problems = [
        f"table {table}: {rows} rows in the backup, {counts.get(table)} restored"
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    ]
    problems += [f"file {n}: missing or changed" for n, d in manifest["media_files"].items() if files.get(n) != d]
    if problems:
        sys.exit("restore differs from the backup:\n" + "\n".join(problems))
    return {"tables": len(counts), "rows": sum(counts.values()), "media_files": len(files), "verified": True}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("backup", "restore"):
        sys.exit("usage: backup_restore.py backup|restore <dir>")
    action = backup if sys.argv[1] == "backup" else restore
    print(json.dumps(action(Path(sys.argv[2]))))
