"""``python -m edge_agent``: run the agent, check a configuration, inspect the outbox, simulate.

python -m edge_agent run --config /etc/retrain-agent/agent.toml
python -m edge_agent check --config agent.toml        # parse, open the front end, read a block
python -m edge_agent status --config agent.toml       # what the outbox still holds
python -m edge_agent simulate --config agent.toml --recording UUID --samples 2000 --out x.npz
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import uuid

import numpy as np

from edge_agent import AGENT_NAME
from edge_agent.config import ConfigError, load


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


async def _run(config) -> int:
    from edge_agent.agent import Agent

    agent = Agent(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await agent.run(stop)
    return 0


def _status(config) -> int:
    from edge_agent.outbox import Outbox

    outbox = Outbox(config.outbox.path, max_bytes=config.outbox.max_bytes)
    report = {
        "outbox": str(config.outbox.path),
        "pending_windows": outbox.count(),
        "pending_bytes": outbox.bytes,
        "bound_bytes": config.outbox.max_bytes,
        "gaps": [{"recording": r, "from_seq": a, "to_seq": b, "reason": why} for r, a, b, why in outbox.gaps()],
        "recordings": [
            {
                "id": r.id,
                "windows": r.next_seq,
                "samples": r.next_sample,
                "acked_through": r.acked_through,
                "ended": r.end_reason if r.ended else None,
                "server_has_all": r.end_acked,
            }
            for r in outbox.recordings()
        ],
    }
    outbox.close()
    print(json.dumps(report, indent=2))
    return 0


def _check(config) -> int:
    from edge_agent.drivers import make_driver

    driver = make_driver(config)
    print(f"{AGENT_NAME}: configuration {config.source} is valid")
    print(
        f"  server {config.server.url} (token file {config.server.token_file}: "
        f"{'present' if config.server.token_file.exists() else 'MISSING'})"
    )
    print(f"  {driver.describe()}, windows of {config.window_ms} ms")
    for ch in config.channels:
        print(f"  channel {ch.label}: {ch.muscle} {ch.side}")
    return 0


def _simulate(config, recording: str, start: int, samples: int, out: str) -> int:
    from edge_agent.drivers.simulated import SimulatedDriver

    driver = SimulatedDriver(config)
    counts = driver.generate(uuid.UUID(recording), start, samples)
    np.savez(out, counts=counts, scale_uv=driver.scale_uv, fs=driver.sampling_rate)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_agent", description="Retrain edge agent (EMG at the chair)")
    parser.add_argument("--log-level", default="info")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [
        ("run", "stream EMG to the server until stopped"),
        ("check", "validate the configuration and describe the front end"),
        ("status", "show what the outbox still holds"),
        ("simulate", "write the simulated signal of a recording to an .npz file"),
    ]:
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", required=True)
        if name == "simulate":
            cmd.add_argument("--recording", required=True)
            cmd.add_argument("--start", type=int, default=0)
            cmd.add_argument("--samples", type=int, required=True)
            cmd.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    _setup_logging(args.log_level)
    try:
        config = load(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        return asyncio.run(_run(config))
    if args.command == "status":
        return _status(config)
    if args.command == "check":
        return _check(config)
    return _simulate(config, args.recording, args.start, args.samples, args.out)
