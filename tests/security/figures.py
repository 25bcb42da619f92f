"""The security suite writes what it counted to test-output/security-figures.json (docs/security.md)."""

from __future__ import annotations

import json
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "security-figures.json"


def write_figures(section: str, figures: dict) -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(OUTPUT.read_text()) if OUTPUT.exists() else {}
    current[section] = figures
    OUTPUT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    print(f"\n{section}: {figures}")
