from __future__ import annotations

from types import SimpleNamespace

from edge_agent.config import load
from edge_agent.drivers import make_driver
from sessions.ingest.demo import seed_demo_agent


def test_the_demo_seeder_writes_a_valid_simulated_chair_configuration(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8000"
    seed_demo_agent(SimpleNamespace(device_token_file=tmp_path / "demo-device.token"))
    config = load(tmp_path / "demo-agent.toml")
    assert config.server.url == "ws://127.0.0.1:8000/ws/device/"
    assert config.server.token_file == tmp_path / "demo-device.token"
    assert config.driver == "simulated" and config.sampling_rate == 2000 and config.window_samples == 100
    assert [c.muscle for c in config.channels] == ["zygomaticus_major", "orbicularis_oculi"]
    driver = make_driver(config)  # the script is valid: every segment parses
    assert driver.period_ms == 20_000 and driver.loop_script
