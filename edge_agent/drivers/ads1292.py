"""TI ADS1292 / ADS1292R two-channel 24-bit biopotential front end on the Pi's SPI bus (spidev).

Set-up (datasheet SBAS502): RESET, SDATAC (the chip wakes up in continuous mode and ignores register
writes there), check the ID register (0x53 ADS1292, 0x73 ADS1292R), write CONFIG1 (data rate),
CONFIG2 (reference buffer on, lead-off comparators on), LOFF, CH1SET/CH2SET (PGA gain, normal
electrode input), RLD_SENS (right-leg drive from both channels), LOFF_SENS (DC lead-off on both
inputs of both channels), RESP1/RESP2 (their required bits), read every register back, then RDATAC
and START. Each conversion is then one 72-bit frame read after DRDY falls:

    24-bit status: 1100 | LOFF_STAT[4:0] | GPIO[1:0] | 13 zero bits
    24-bit channel 1, 24-bit channel 2: two's complement, MSB first

LOFF_STAT: bit0 IN1P off, bit1 IN1N off, bit2 IN2P off, bit3 IN2N off, bit4 RLD off. A frame whose
status does not start with 1100 means the read slipped; it is counted as a lost sample.
One count is (2·VREF/gain)/2^24 V: 0.048 µV at gain 6 with the 2.42 V reference.

Options: bus (0), device (0), speed_hz (2_000_000), gain (6: 1, 2, 3, 4, 6, 8, 12),
vref (2.42 or 4.033), lead_off (true), drdy = "gpiod" (needs python3-libgpiod: drdy_chip,
drdy_line) or "poll" (read at the nominal rate; no DRDY wire), block_samples (20).
"""

from __future__ import annotations

import time

import numpy as np

from edge_agent.codec import DTYPE_INT24
from edge_agent.config import AgentConfig, ConfigError
from edge_agent.drivers.base import Block, Driver, DriverError

# Commands
WAKEUP, STANDBY, RESET, START, STOP = 0x02, 0x04, 0x06, 0x08, 0x0A
RDATAC, SDATAC, RDATA = 0x10, 0x11, 0x12
RREG, WREG = 0x20, 0x40
# Registers
ID, CONFIG1, CONFIG2, LOFF, CH1SET, CH2SET, RLD_SENS, LOFF_SENS, LOFF_STAT, RESP1, RESP2, GPIO = range(12)
CHIP_IDS = {0x53: "ADS1292", 0x73: "ADS1292R"}
DATA_RATES = {125: 0, 250: 1, 500: 2, 1000: 3, 2000: 4, 4000: 5, 8000: 6}
GAINS = {6: 0, 1: 1, 2: 2, 3: 3, 4: 4, 8: 5, 12: 6}
FRAME_BYTES = 9


def register_plan(*, sampling_rate: int, gain: int, lead_off: bool) -> dict[int, int]:
    """Register values written at set-up, address → value."""
    if sampling_rate not in DATA_RATES:
        raise ConfigError(f"ADS1292 cannot sample at {sampling_rate} Hz")
    if gain not in GAINS:
        raise ConfigError(f"ADS1292 gain must be one of {sorted(GAINS)}")
    channel = GAINS[gain] << 4  # PDn = 0 (on), MUX = 0000 (normal electrode input)
    return {
        CONFIG1: DATA_RATES[sampling_rate],  # continuous conversion
        CONFIG2: 0x80 | 0x20 | (0x40 if lead_off else 0),  # bit 7 must be 1; PDB_REFBUF; PDB_LOFF_COMP
        LOFF: 0x10,  # bit 4 must be 1; comparator 95 %, 6 nA, DC lead-off
        CH1SET: channel,
        CH2SET: channel,
        RLD_SENS: 0x20 | 0x0F,  # PDB_RLD; RLD derived from IN1P/N and IN2P/N
        LOFF_SENS: 0x0F if lead_off else 0x00,  # LOFF1P/N, LOFF2P/N
        RESP1: 0x02,  # bit 1 must be 1
        RESP2: 0x03,  # bit 0 must be 1; RLDREF_INT
    }


def decode_frames(raw: bytes | bytearray, channels: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode k 72-bit frames: (status_ok (k,), lead-off bits per channel (k,), samples (channels, k) int32)."""
    data = np.frombuffer(bytes(raw), dtype=np.uint8).reshape(-1, FRAME_BYTES).astype(np.int32)
    status = (data[:, 0] << 16) | (data[:, 1] << 8) | data[:, 2]
    ok = (status >> 20) == 0b1100
    loff = (status >> 15) & 0x1F
    per_channel = ((loff & 0b0011) != 0).astype(np.int32) | (((loff & 0b1100) != 0).astype(np.int32) << 1)
    samples = np.empty((2, data.shape[0]), dtype=np.int32)
    for ch in range(2):
        b = data[:, 3 + 3 * ch : 6 + 3 * ch]
        value = (b[:, 0] << 16) | (b[:, 1] << 8) | b[:, 2]
        samples[ch] = (value ^ 0x800000) - 0x800000
    return ok, per_channel, samples[:channels]


class Ads1292Driver(Driver):
    name = "ads1292"

    def __init__(self, config: AgentConfig, *, spi_factory=None, drdy=None) -> None:
        super().__init__(config)
        if self.channels > 2:
            raise ConfigError("the ADS1292 has 2 channels")
        opts = self.options
        self.bus = int(opts.get("bus", 0))
        self.device = int(opts.get("device", 0))
        self.speed_hz = int(opts.get("speed_hz", 2_000_000))
        self.gain = int(opts.get("gain", 6))
        self.vref = float(opts.get("vref", 2.42))
        self.lead_off_detection = bool(opts.get("lead_off", True))
        self.block_samples = int(opts.get("block_samples", 20))
        self.plan = register_plan(sampling_rate=self.sampling_rate, gain=self.gain, lead_off=self.lead_off_detection)
        self.dtype = DTYPE_INT24
        self.scale_uv = (2 * self.vref / self.gain) / 2**24 * 1e6
        self._spi_factory = spi_factory
        self._drdy = drdy
        self.spi = None
        self.chip = ""
        self.sync_errors = 0
        self._lost = 0
        self._blocks: list[Block] = []

    # --- SPI helpers ---------------------------------------------------------------------------------
    def _command(self, opcode: int) -> None:
        self.spi.xfer2([opcode])

    def write_register(self, address: int, value: int) -> None:
        self.spi.xfer2([WREG | address, 0x00, value])

    def read_register(self, address: int) -> int:
        return self.spi.xfer2([RREG | address, 0x00, 0x00])[2]

    def open(self) -> None:
        factory = self._spi_factory
        if factory is None:
            try:
                import spidev
            except ImportError:
                raise DriverError("the ads1292 driver needs spidev (pip install spidev)") from None
            factory = spidev.SpiDev
        try:
            self.spi = factory()
            self.spi.open(self.bus, self.device)
        except OSError as exc:
            raise DriverError(f"cannot open /dev/spidev{self.bus}.{self.device}: {exc}") from exc
        self.spi.max_speed_hz = self.speed_hz
        self.spi.mode = 0b01  # CPOL = 0, CPHA = 1
        self._command(RESET)
        time.sleep(0.001)
        self._command(SDATAC)
        chip_id = self.read_register(ID)
        if chip_id not in CHIP_IDS:
            raise DriverError(f"no ADS1292 on the bus (ID register reads 0x{chip_id:02x})")
        self.chip = CHIP_IDS[chip_id]
        for address, value in self.plan.items():
            self.write_register(address, value)
        for address, value in self.plan.items():
            got = self.read_register(address)
            if got != value:
                raise DriverError(f"register 0x{address:02x} reads 0x{got:02x}, wrote 0x{value:02x}")
        if self._drdy is None:
            self._drdy = _make_drdy(self.options, self.sampling_rate)
        self._command(RDATAC)
        self._command(START)

    def close(self) -> None:
        if self.spi is not None:
            try:
                self._command(STOP)
                self._command(SDATAC)
            finally:
                self.spi.close()
                self.spi = None

    def describe(self) -> str:
        chip = self.chip or "ADS1292"
        return f"{chip} on SPI {self.bus}.{self.device}: 2 channels at {self.sampling_rate} Hz, gain {self.gain}"

    def read(self) -> Block:
        while not self._blocks:
            self._blocks = self._read_frames()
        return self._blocks.pop(0)

    def _read_frames(self) -> list[Block]:
        raw = bytearray()
        for _ in range(self.block_samples):
            if not self._drdy.wait(0.5):
                raise DriverError("ADS1292: DRDY did not fall for 0.5 s")
            raw += bytes(self.spi.xfer2([0x00] * FRAME_BYTES))
        ok, loff, samples = decode_frames(raw, self.channels)
        mask = (1 << self.channels) - 1
        if not ok.any():
            raise DriverError("ADS1292: lost frame sync (status bits are not 1100)")
        # A slipped read (status not 1100) is a lost sample: keep the good ones at their true place.
        blocks: list[Block] = []
        run_start = None
        for i in range(len(ok) + 1):
            good = i < len(ok) and ok[i]
            if good and run_start is None:
                run_start = i
            elif not good and run_start is not None:
                bits = int(np.bitwise_or.reduce(loff[run_start:i])) & mask
                blocks.append(Block(samples=samples[:, run_start:i], lead_off=bits, lost_before=self._lost))
                self._lost = 0
                run_start = None
            if i < len(ok) and not ok[i]:
                self._lost += 1
                self.sync_errors += 1
        return blocks


class _PollDrdy:
    """No DRDY wire: wait for the next nominal sample time (good enough at ≤ 1 kHz on a Pi 4)."""

    def __init__(self, rate: int) -> None:
        self.period = 1 / rate
        self.next = time.perf_counter()

    def wait(self, timeout: float) -> bool:
        self.next += self.period
        delay = self.next - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return True


class _GpiodDrdy:
    def __init__(self, chip: str, line: int) -> None:
        import gpiod  # python3-libgpiod
        from gpiod.line import Direction, Edge

        self.request = gpiod.request_lines(
            chip,
            consumer="retrain-agent",
            config={line: gpiod.LineSettings(direction=Direction.INPUT, edge_detection=Edge.FALLING)},
        )

    def wait(self, timeout: float) -> bool:
        from datetime import timedelta

        if not self.request.wait_edge_events(timedelta(seconds=timeout)):
            return False
        self.request.read_edge_events()
        return True


def _make_drdy(options: dict, rate: int):
    mode = options.get("drdy", "gpiod")
    if mode == "poll":
        return _PollDrdy(rate)
    try:
        return _GpiodDrdy(str(options.get("drdy_chip", "/dev/gpiochip0")), int(options.get("drdy_line", 25)))
    except ImportError:
        raise DriverError('drdy = "gpiod" needs the gpiod package; or set drdy = "poll"') from None
