"""The ADS1292 driver against a fake SPI device and frames built by hand from the datasheet layout."""

from __future__ import annotations

import numpy as np
import pytest

from edge_agent.config import parse
from edge_agent.drivers.ads1292 import Ads1292Driver, decode_frames
from edge_agent.drivers.base import DriverError


class FakeSpi:
    """Registers behind RREG/WREG; in RDATAC, clocks out the queued 9-byte frames."""

    def __init__(self, chip_id: int, frames: list[bytes]) -> None:
        self.registers = [0] * 12
        self.registers[0] = chip_id
        self.frames = list(frames)
        self.commands: list[int] = []
        self.continuous = True  # the chip powers up in RDATAC
        self.max_speed_hz = 0
        self.mode = 0

    def open(self, bus: int, device: int) -> None:
        self.opened = (bus, device)

    def close(self) -> None:
        self.closed = True

    def xfer2(self, data: list[int]) -> list[int]:
        op = data[0]
        if len(data) == 9 and op == 0:
            return list(self.frames.pop(0))
        if op & 0xE0 == 0x40:  # WREG
            assert not self.continuous, "register write while in RDATAC is ignored by the chip"
            self.registers[op & 0x1F] = data[2]
            return [0] * len(data)
        if op & 0xE0 == 0x20:  # RREG
            return [0, 0, self.registers[op & 0x1F]]
        self.commands.append(op)
        if op == 0x11:
            self.continuous = False
        if op == 0x10:
            self.continuous = True
        return [0]


class NoWait:
    def wait(self, timeout: float) -> bool:
        return True


def status(loff: int = 0) -> bytes:
    word = (0b1100 << 20) | (loff << 15)
    return word.to_bytes(3, "big")


def frame(ch1: int, ch2: int, loff: int = 0) -> bytes:
    return status(loff) + (ch1 & 0xFFFFFF).to_bytes(3, "big") + (ch2 & 0xFFFFFF).to_bytes(3, "big")


def _driver(spi: FakeSpi, **opts) -> Ads1292Driver:
    config = parse(
        {
            "server": {"url": "ws://127.0.0.1:1", "token_file": "t"},
            "device": {"driver": "ads1292", "sampling_rate": 2000},
            "driver": {"ads1292": {"gain": 6, "block_samples": 4, **opts}},
        }
    )
    return Ads1292Driver(config, spi_factory=lambda: spi, drdy=NoWait())


def test_set_up_writes_the_registers_for_2_khz_with_lead_off_detection_and_starts_rdatac():
    spi = FakeSpi(0x73, [])
    driver = _driver(spi)
    driver.open()
    regs = spi.registers
    assert regs[1] == 0x04  # CONFIG1: 2 kSPS, continuous
    assert regs[2] == 0xE0  # CONFIG2: bit 7, lead-off comparators, reference buffer
    assert regs[4] == regs[5] == 0x00  # CH1SET/CH2SET: gain 6, normal input
    assert regs[7] == 0x0F  # LOFF_SENS: both inputs of both channels
    assert spi.commands[:2] == [0x06, 0x11] and spi.commands[-2:] == [0x10, 0x08]
    assert driver.chip == "ADS1292R"
    assert driver.scale_uv == pytest.approx(2 * 2.42 / 6 / 2**24 * 1e6)


def test_a_chip_with_another_id_is_refused():
    with pytest.raises(DriverError, match="ID register"):
        _driver(FakeSpi(0x52, [])).open()


def test_72_bit_frames_decode_to_signed_24_bit_samples_and_lead_off_bits():
    frames = [
        frame(1, -1),
        frame(0x7FFFFF, -0x800000),
        frame(-123456, 654321, loff=0b00001),  # IN1P off → channel 1
        frame(42, -42, loff=0b01000),  # IN2N off → channel 2
    ]
    spi = FakeSpi(0x53, frames)
    driver = _driver(spi)
    driver.open()
    block = driver.read()
    assert block.samples.tolist() == [[1, 0x7FFFFF, -123456, 42], [-1, -0x800000, 654321, -42]]
    assert block.lead_off == 0b11 and block.lost_before == 0


def test_a_frame_out_of_sync_is_reported_as_a_lost_sample_not_as_data():
    bad = b"\x00" * 9
    spi = FakeSpi(0x53, [frame(1, 1), frame(2, 2), bad, frame(4, 4)])
    driver = _driver(spi)
    driver.open()
    first, second = driver.read(), driver.read()
    assert first.samples.tolist() == [[1, 2], [1, 2]] and first.lost_before == 0
    assert second.samples.tolist() == [[4], [4]] and second.lost_before == 1
    assert driver.sync_errors == 1


def test_decode_frames_is_vectorised_over_many_frames():
    rng = np.random.default_rng(0)
    values = rng.integers(-(2**23), 2**23, size=(2, 500))
    raw = b"".join(frame(int(a), int(b)) for a, b in values.T)
    ok, loff, samples = decode_frames(raw)
    assert ok.all() and not loff.any() and np.array_equal(samples, values)
