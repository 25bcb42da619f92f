"""The BrainFlow driver on BrainFlow's synthetic board (runs offline, no hardware)."""

from __future__ import annotations

import numpy as np
import pytest

from edge_agent.config import parse
from edge_agent.drivers import make_driver
from edge_agent.drivers.base import DriverError

pytest.importorskip("brainflow")


def _config(**opts):
    return parse(
        {
            "server": {"url": "ws://127.0.0.1:1", "token_file": "t"},
            "device": {"driver": "brainflow"},
            "driver": {"brainflow": {"board_id": -1, **opts}},
        }
    )


def test_the_synthetic_board_streams_emg_channels_as_float_microvolts():
    driver = make_driver(_config(channels=[2, 5]))
    assert driver.sampling_rate == 250
    driver.open()
    try:
        blocks = [driver.read() for _ in range(5)]
    finally:
        driver.close()
    samples = np.concatenate([b.samples for b in blocks], axis=1)
    assert samples.dtype == np.float32 and samples.shape[0] == 2 and samples.shape[1] > 10
    assert np.isfinite(samples).all() and samples.std(axis=1).min() > 0
    assert all(b.lost_before == 0 for b in blocks)


def test_asking_for_channels_the_board_does_not_have_is_refused():
    with pytest.raises(DriverError, match="EMG channels"):
        make_driver(_config(channels=[0, 99]))
