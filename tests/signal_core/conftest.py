"""Fixtures for signal_core: real facial EMG from the EMGFlow wheel (synthetic sEMG with
known truth lives in emg_synthetic.py).

Nothing here touches Django or the database, so these tests run the same with pytest-django
enabled (the full suite) or disabled (``-p no:django``).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

# The expected gap positions and the artefact in test_emg_real_data.py are facts of this
# release's sample data; pinning keeps a future EMGFlow release from changing the question.
EMGFLOW_VERSION = "1.1.2"


def _cache_dir() -> Path:
    root = os.environ.get("RETRAIN_TEST_CACHE") or str(Path.home() / ".cache" / "retrain-tests")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _emgflow_wheel() -> Path:
    cache = _cache_dir()
    pattern = f"emgflow-{EMGFLOW_VERSION}-*.whl"
    found = sorted(cache.glob(pattern)) or sorted(cache.glob(pattern.replace("emgflow", "EMGFlow")))
    if found:
        return found[0]
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        f"EMGFlow=={EMGFLOW_VERSION}",
        "-d",
        str(cache),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    found = sorted(cache.glob(pattern)) or sorted(cache.glob(pattern.replace("emgflow", "EMGFlow")))
    if done.returncode != 0 or not found:
        pytest.fail(
            f"could not fetch the EMGFlow wheel into {cache} (needed for the real-EMG tests):\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return found[0]


@dataclass(frozen=True)
class Recording:
    name: str
    fs: float
    data: np.ndarray  # (2, samples): zygomaticus, corrugator; NaN where the CSV says NULL
    channels: tuple[str, ...]


@pytest.fixture(scope="session")
def emgflow_recordings() -> dict[str, Recording]:
    """The four EMGFlow sample recordings, read straight from the cached wheel."""
    recordings: dict[str, Recording] = {}
    with zipfile.ZipFile(_emgflow_wheel()) as wheel:
        for member in sorted(wheel.namelist()):
            if not (member.startswith("EMGFlow/data/") and member.endswith(".csv")):
                continue
            text = wheel.read(member).decode("utf-8-sig")
            header = text.splitlines()[0].split(",")
            table = np.genfromtxt(
                io.StringIO(text), delimiter=",", skip_header=1, missing_values="NULL", filling_values=np.nan
            )
            time = table[:, 0]
            fs = 1.0 / float(np.median(np.diff(time)))
            name = Path(member).stem
            recordings[name] = Recording(name, round(fs), table[:, 1:].T.copy(), tuple(header[1:]))
    assert len(recordings) == 4, f"expected four sample recordings in EMGFlow {EMGFLOW_VERSION}"
    return recordings
