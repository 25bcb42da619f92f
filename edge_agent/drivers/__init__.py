"""Front-end drivers behind one interface (``edge_agent.drivers.base.Driver``)."""

from __future__ import annotations

from edge_agent.config import AgentConfig, ConfigError
from edge_agent.drivers.base import Block, Driver, DriverError


def make_driver(config: AgentConfig) -> Driver:
    if config.driver == "simulated":
        from edge_agent.drivers.simulated import SimulatedDriver

        return SimulatedDriver(config)
    if config.driver == "serial":
        from edge_agent.drivers.serial_mcu import SerialDriver

        return SerialDriver(config)
    if config.driver == "ads1292":
        from edge_agent.drivers.ads1292 import Ads1292Driver

        return Ads1292Driver(config)
    if config.driver == "replay":
        from edge_agent.drivers.replay import ReplayDriver

        return ReplayDriver(config)
    if config.driver == "brainflow":
        from edge_agent.drivers.brainflow_board import BrainFlowDriver

        return BrainFlowDriver(config)
    raise ConfigError(f"unknown driver {config.driver!r}")


__all__ = ["Block", "Driver", "DriverError", "make_driver"]
