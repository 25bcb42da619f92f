"""Agent configuration: one TOML file (see docs/edge-agent.md for every key).

[server]
url = "wss://clinic.example/ws/device/"
token_file = "/etc/retrain-agent/device.token"

[device]
driver = "simulated"          # simulated | serial | ads1292 | replay | brainflow
sampling_rate = 2000          # Hz: 1000 or 2000 (replay and brainflow follow their source)
window_ms = 50

[[channels]]
label = "Zygomaticus L"
muscle = "zygomaticus_major"
side = "left"

[outbox]
path = "/var/lib/retrain-agent/outbox.sqlite3"
max_mb = 512

[driver.simulated]            # options of the chosen driver
seed = 7
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_agent.messages import MUSCLES, SIDES

DRIVERS = ("simulated", "serial", "ads1292", "replay", "brainflow")
RATES = (1000, 2000)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Channel:
    label: str
    muscle: str
    side: str

    def as_spec(self) -> dict:
        return {"label": self.label, "muscle": self.muscle, "side": self.side}


@dataclass(frozen=True)
class ServerConfig:
    url: str
    token_file: Path
    ca_file: Path | None = None
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    max_in_flight: int = 256
    ack_timeout_s: float = 15.0
    ping_interval_s: float = 5.0
    drain_timeout_s: float = 10.0


@dataclass(frozen=True)
class OutboxConfig:
    path: Path
    max_mb: float = 512.0
    warn_fraction: float = 0.8
    synchronous: str = "full"  # full: survives power loss; normal: survives a crash of the agent

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


@dataclass(frozen=True)
class AgentConfig:
    server: ServerConfig
    driver: str
    sampling_rate: int
    window_ms: int
    channels: tuple[Channel, ...]
    outbox: OutboxConfig
    driver_options: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    @property
    def window_samples(self) -> int:
        return self.sampling_rate * self.window_ms // 1000


def _require(table: dict, key: str, kind: type | tuple, where: str):
    if key not in table:
        raise ConfigError(f"[{where}] {key} is required")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"[{where}] {key} has the wrong type")
    return value


def parse(data: dict, *, base: Path | None = None) -> AgentConfig:
    base = base or Path.cwd()

    def path(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p

    server_t = data.get("server") or {}
    url = _require(server_t, "url", str, "server")
    if not url.startswith(("ws://", "wss://")):
        raise ConfigError("[server] url must start with ws:// or wss://")
    if not url.rstrip("/").endswith("/ws/device"):
        url = url.rstrip("/") + "/ws/device/"
    server = ServerConfig(
        url=url,
        token_file=path(_require(server_t, "token_file", str, "server")),
        ca_file=path(server_t["ca_file"]) if server_t.get("ca_file") else None,
        backoff_initial_s=float(server_t.get("backoff_initial_s", 0.5)),
        backoff_max_s=float(server_t.get("backoff_max_s", 30.0)),
        max_in_flight=int(server_t.get("max_in_flight", 256)),
        ack_timeout_s=float(server_t.get("ack_timeout_s", 15.0)),
        ping_interval_s=float(server_t.get("ping_interval_s", 5.0)),
        drain_timeout_s=float(server_t.get("drain_timeout_s", 10.0)),
    )
    if not 0 < server.backoff_initial_s <= server.backoff_max_s:
        raise ConfigError("[server] backoff_initial_s must be positive and at most backoff_max_s")

    device_t = data.get("device") or {}
    driver = device_t.get("driver", "simulated")
    if driver not in DRIVERS:
        raise ConfigError(f"[device] driver must be one of {', '.join(DRIVERS)}")
    rate = int(device_t.get("sampling_rate", 2000))
    if rate not in RATES and driver not in ("replay", "brainflow"):
        raise ConfigError(f"[device] sampling_rate must be {' or '.join(map(str, RATES))} Hz")
    window_ms = int(device_t.get("window_ms", 50))
    if not 10 <= window_ms <= 500 or (rate * window_ms) % 1000:
        raise ConfigError("[device] window_ms must be 10..500 and give a whole number of samples")

    channels_t = data.get("channels") or [
        {"label": "Channel 1 L", "muscle": "zygomaticus_major", "side": "left"},
        {"label": "Channel 2 R", "muscle": "zygomaticus_major", "side": "right"},
    ]
    channels = []
    for i, ch in enumerate(channels_t):
        where = f"channels #{i + 1}"
        muscle, side = ch.get("muscle", "other"), ch.get("side")
        if muscle not in MUSCLES:
            raise ConfigError(f"[{where}] muscle must be one of {', '.join(MUSCLES)}")
        if side not in SIDES:
            raise ConfigError(f"[{where}] side must be left or right")
        label = str(ch.get("label") or f"{muscle.replace('_', ' ')} {side[0].upper()}")
        channels.append(Channel(label=label[:60], muscle=muscle, side=side))
    if not 1 <= len(channels) <= 8:
        raise ConfigError("1 to 8 [[channels]] are needed")

    outbox_t = data.get("outbox") or {}
    outbox = OutboxConfig(
        path=path(outbox_t.get("path", "outbox.sqlite3")),
        max_mb=float(outbox_t.get("max_mb", 512)),
        warn_fraction=float(outbox_t.get("warn_fraction", 0.8)),
        synchronous=str(outbox_t.get("synchronous", "full")).lower(),
    )
    if outbox.synchronous not in ("full", "normal"):
        raise ConfigError("[outbox] synchronous must be full or normal")
    if outbox.max_mb <= 0 or not 0 < outbox.warn_fraction < 1:
        raise ConfigError("[outbox] max_mb must be positive and warn_fraction between 0 and 1")

    options = dict((data.get("driver") or {}).get(driver) or {})
    return AgentConfig(
        server=server,
        driver=driver,
        sampling_rate=rate,
        window_ms=window_ms,
        channels=tuple(channels),
        outbox=outbox,
        driver_options=options,
    )


def load(path: str | Path) -> AgentConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"no configuration file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    config = parse(data, base=path.parent)
    return AgentConfig(**{**config.__dict__, "source": path})
