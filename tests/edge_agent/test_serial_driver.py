"""The serial driver reads an MCU's frames through a real pseudo-terminal from a writer process."""

from __future__ import annotations

import os
import subprocess
import sys
import tty

import numpy as np

from edge_agent.config import parse
from edge_agent.drivers.serial_mcu import FrameParser, SerialDriver
from tests.edge_agent.mcu_writer import frame
from tests.harness.servers import ROOT


def _driver(port: str) -> SerialDriver:
    config = parse(
        {
            "server": {"url": "ws://127.0.0.1:1", "token_file": "t"},
            "device": {"driver": "serial", "sampling_rate": 2000},
            "driver": {"serial": {"port": port, "scale_uv": 0.1, "read_timeout_s": 3}},
        }
    )
    return SerialDriver(config)


def _run_writer(*args: str):
    master, slave = os.openpty()
    tty.setraw(slave)
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.edge_agent.mcu_writer", str(master), *args], cwd=ROOT, pass_fds=[master]
    )
    return writer, master, slave


def _read_all(driver: SerialDriver, samples: int):
    blocks = []
    total = 0
    while total < samples:
        block = driver.read()
        blocks.append(block)
        total += block.samples.shape[1] + block.lost_before
    return blocks


def test_frames_from_a_pty_arrive_whole_and_in_order():
    writer, master, slave = _run_writer("40", "10")
    driver = _driver(os.ttyname(slave))
    try:
        driver.open()
        blocks = _read_all(driver, 400)
    finally:
        driver.close()
        writer.wait(10)
        os.close(master)
        os.close(slave)
    samples = np.concatenate([b.samples for b in blocks], axis=1)
    expected = np.array([(c * 1000 + i) % 30000 for c in range(40) for i in range(10)])
    assert samples.dtype == np.int16
    assert np.array_equal(samples[0], expected) and np.array_equal(samples[1], -expected)
    assert all(b.lost_before == 0 for b in blocks)
    assert any(b.lead_off == 0b10 for b in blocks)  # frame 3 reported channel 2's electrode off
    assert driver.parser.stats.crc_errors == 0


def test_a_dropped_and_a_corrupted_frame_become_declared_losses_not_shifted_samples():
    writer, master, slave = _run_writer("30", "10", "--skip", "7", "--corrupt", "20")
    driver = _driver(os.ttyname(slave))
    try:
        driver.open()
        blocks = _read_all(driver, 300)
    finally:
        driver.close()
        writer.wait(10)
        os.close(master)
        os.close(slave)
    assert driver.parser.stats.crc_errors >= 1
    assert sum(b.lost_before for b in blocks) == 20  # frames 7 and 20, 10 samples each
    # Rebuild the timeline from the blocks: every sample sits at its true index.
    timeline = np.full(300, -1)
    at = 0
    for block in blocks:
        at += block.lost_before
        timeline[at : at + block.samples.shape[1]] = block.samples[0]
        at += block.samples.shape[1]
    expected = np.array([(c * 1000 + i) % 30000 for c in range(30) for i in range(10)])
    kept = np.ones(300, dtype=bool)
    kept[70:80] = kept[200:210] = False
    assert np.array_equal(timeline[kept], expected[kept])
    assert (timeline[~kept] == -1).all()


def test_the_parser_resynchronises_after_garbage_and_split_frames():
    parser = FrameParser(channels=2)
    data = b"\xa5\x00\xa5" + frame(0, 4) + b"\xa5\x5a\x01" + frame(1, 4) + frame(2, 4)
    got = []
    for i in range(0, len(data), 5):
        got += parser.feed(data[i : i + 5])
    assert [f.counter for f, _ in got] == [0, 1, 2]
    assert [lost for _, lost in got] == [0, 0, 0]
