"""Scripted simulated-chair sessions (edge_agent simulated driver) used by the biofeedback tests."""

from __future__ import annotations

# Segments (seconds, state, options) of the report test's recording; times are the script's.
REPORT_SCRIPT = """
loop = false
realtime = false
duration_s = 27

[[driver.simulated.script]]
seconds = 3
state = "rest"

[[driver.simulated.script]]
seconds = 2
state = "custom"
levels = [0.8, 0.8]

[[driver.simulated.script]]
seconds = 2
state = "rest"

[[driver.simulated.script]]
seconds = 3
state = "symmetric"
level = 0.5

[[driver.simulated.script]]
seconds = 2
state = "rest"

[[driver.simulated.script]]
seconds = 3
state = "custom"
levels = [0.25, 0.5]

[[driver.simulated.script]]
seconds = 2
state = "rest"

[[driver.simulated.script]]
seconds = 3
state = "synkinesis"
target = 1
synkinetic = 0
level = 0.6
ratio = 0.5
delay_ms = 60

[[driver.simulated.script]]
seconds = 2
state = "rest"

[[driver.simulated.script]]
seconds = 3
state = "synkinesis"
target = 1
synkinetic = 0
level = 0.5
ratio = 1.0
delay_ms = 60

[[driver.simulated.script]]
seconds = 2
state = "rest"
"""

# The live browser test: a looping practice. Equal smiles (ratio 1.0), then the left (affected) side
# at half the right (ratio 0.5), then the synkinetic channel above any sensible ceiling.
LIVE_SCRIPT = """
loop = true

[[driver.simulated.script]]
seconds = 1
state = "rest"

[[driver.simulated.script]]
seconds = 4
state = "custom"
levels = [0.5, 0.5]

[[driver.simulated.script]]
seconds = 4
state = "custom"
levels = [0.25, 0.5]

[[driver.simulated.script]]
seconds = 3
state = "custom"
levels = [0.6, 0.6]
"""
LIVE_PERIOD_S = 12
LIVE_RATIO_CHANGE_S = 5  # where, in each period, the ratio steps from 1.0 to 0.5
