from __future__ import annotations

import pytest

from edge_agent.config import ConfigError, load, parse


def test_a_full_configuration_is_read_from_toml(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text(
        """
[server]
url = "wss://clinic.example"
token_file = "device.token"
[device]
driver = "simulated"
sampling_rate = 1000
window_ms = 40
[[channels]]
label = "Frontalis L"
muscle = "frontalis"
side = "left"
[outbox]
path = "/var/lib/retrain-agent/outbox.sqlite3"
max_mb = 64
[driver.simulated]
seed = 3
"""
    )
    config = load(path)
    assert config.server.url == "wss://clinic.example/ws/device/"
    assert config.server.token_file == tmp_path / "device.token"
    assert config.window_samples == 40 and config.channels[0].muscle == "frontalis"
    assert config.outbox.max_bytes == 64 * 2**20 and config.driver_options == {"seed": 3}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"server": {"token_file": "t"}}, "url is required"),
        ({"server": {"url": "http://x", "token_file": "t"}}, "ws://"),
        ({"server": {"url": "ws://x", "token_file": "t"}, "device": {"sampling_rate": 500}}, "1000 or 2000"),
        ({"server": {"url": "ws://x", "token_file": "t"}, "device": {"driver": "usb"}}, "driver must be"),
        ({"server": {"url": "ws://x", "token_file": "t"}, "device": {"window_ms": 3}}, "window_ms"),
        (
            {"server": {"url": "ws://x", "token_file": "t"}, "channels": [{"muscle": "biceps", "side": "left"}]},
            "muscle",
        ),
        ({"server": {"url": "ws://x", "token_file": "t"}, "channels": [{"muscle": "frontalis", "side": "up"}]}, "side"),
    ],
)
def test_mistakes_are_explained(data, message):
    with pytest.raises(ConfigError, match=message):
        parse(data)
