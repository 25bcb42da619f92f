"""Any board BrainFlow supports (OpenBCI, BITalino, synthetic, ...), when brainflow is installed.

Options: board_id (BrainFlow board id; -1 = synthetic), serial_port, ip_address, mac_address,
other_info (passed to BrainFlowInputParams), channels (indices into the board's EMG channel list;
default the first N), poll_ms (20). Samples are µV floats as BrainFlow reports them; the board's
package counter reveals lost packages, reported as lost samples.
"""

from __future__ import annotations

import time

import numpy as np

from edge_agent.codec import DTYPE_FLOAT32
from edge_agent.config import AgentConfig
from edge_agent.drivers.base import Block, Driver, DriverError


class BrainFlowDriver(Driver):
    name = "brainflow"

    def __init__(self, config: AgentConfig) -> None:
        super().__init__(config)
        try:
            from brainflow.board_shim import BoardShim, BrainFlowInputParams
        except ImportError:
            raise DriverError("the brainflow driver needs the brainflow package (pip install brainflow)") from None
        opts = self.options
        BoardShim.disable_board_logger()
        self._BoardShim = BoardShim
        self.board_id = int(opts.get("board_id", -1))
        params = BrainFlowInputParams()
        for key in ("serial_port", "ip_address", "mac_address", "other_info"):
            if key in opts:
                setattr(params, key, str(opts[key]))
        self.params = params
        self.poll = float(opts.get("poll_ms", 20)) / 1000
        self.sampling_rate = BoardShim.get_sampling_rate(self.board_id)
        emg = BoardShim.get_emg_channels(self.board_id)
        picks = opts.get("channels", list(range(self.channels)))
        if len(picks) != self.channels or max(picks) >= len(emg):
            raise DriverError(f"brainflow board {self.board_id} has {len(emg)} EMG channels; pick {self.channels}")
        self.rows = [emg[i] for i in picks]
        self.package_row = BoardShim.get_package_num_channel(self.board_id)
        self.dtype = DTYPE_FLOAT32
        self.scale_uv = 1.0
        self.board = None
        self._last_package: int | None = None

    def open(self) -> None:
        self.board = self._BoardShim(self.board_id, self.params)
        try:
            self.board.prepare_session()
            self.board.start_stream()
        except Exception as exc:  # noqa: BLE001 - BrainFlowError
            raise DriverError(f"brainflow board {self.board_id}: {exc}") from exc

    def close(self) -> None:
        if self.board is not None:
            try:
                self.board.stop_stream()
                self.board.release_session()
            finally:
                self.board = None

    def read(self) -> Block:
        while True:
            data = self.board.get_board_data()
            if data.shape[1]:
                break
            time.sleep(self.poll)
        packages = data[self.package_row].astype(np.int64)
        lost = 0
        if self._last_package is not None:
            lost = int((packages[0] - self._last_package - 1) % 256)
        self._last_package = int(packages[-1])
        return Block(samples=data[self.rows].astype(np.float32), lost_before=lost)
