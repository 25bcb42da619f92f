"""The microcontroller side of the serial tests, written independently of the driver: it builds
frames with struct and binascii from the documented layout and writes them to a pty.

    python -m tests.edge_agent.mcu_writer FD FRAMES SAMPLES_PER_FRAME [--skip N] [--corrupt N]

Channel 0 carries 1000·frame + sample index, channel 1 its negative; frame N is not sent when
--skip N, and one byte of frame N is flipped when --corrupt N (its CRC then fails).
"""

from __future__ import annotations

import argparse
import binascii
import os
import struct
import time


def frame(counter: int, n: int, lead_off: int = 0) -> bytes:
    values = []
    for i in range(n):
        v = (counter * 1000 + i) % 30000
        values += [v, -v]
    body = struct.pack("<BBBBH", 1, 0x12, n, lead_off, counter % 65536) + struct.pack(f"<{2 * n}h", *values)
    return b"\xa5\x5a" + body + struct.pack("<H", binascii.crc_hqx(body, 0xFFFF))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("fd", type=int)
    parser.add_argument("frames", type=int)
    parser.add_argument("n", type=int)
    parser.add_argument("--skip", type=int, action="append", default=[])
    parser.add_argument("--corrupt", type=int, action="append", default=[])
    args = parser.parse_args()
    out = b"\x00\x13garbage before the first frame"
    for counter in range(args.frames):
        if counter in args.skip:
            continue
        data = bytearray(frame(counter, args.n, lead_off=0b10 if counter == 3 else 0))
        if counter in args.corrupt:
            data[12] ^= 0xFF
        out += bytes(data)
    # Write in odd-sized pieces, as a USB link delivers them.
    for i in range(0, len(out), 37):
        os.write(args.fd, out[i : i + 37])
        time.sleep(0.0005)
    time.sleep(2)


if __name__ == "__main__":
    main()
