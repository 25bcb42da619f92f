"""Retrain edge agent: reads surface EMG at the treatment chair and streams it to the server.

Runs on a Raspberry Pi with a small dependency set (websockets, numpy, pyserial; spidev for the
ADS1292 front end). It never imports Django: ``edge_agent.codec`` and ``edge_agent.messages`` are
shared with the server, everything else is the device's own.
"""

__version__ = "0.1.0"
AGENT_NAME = f"retrain-edge-agent/{__version__}"
