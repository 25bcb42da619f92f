"""Demo seeder: the agent configuration of the demo clinic's simulated chair.

Writes ``$RETRAIN_VAR_DIR/demo-agent.toml``; ``scripts/demo`` starts ``python -m edge_agent run``
with it, so Chair 1 streams a scripted practice session (rest, a weak left smile against a strong
right, symmetric smiles, a smile with synkinetic eye closure) for as long as the demo runs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings

DEMO_AGENT_TOML = """\
# Written by the demo seeder (sessions/ingest/demo.py). The simulated chair of the demo clinic.
[server]
url = "{url}"
token_file = "{token_file}"
backoff_max_s = 5

[device]
driver = "simulated"
sampling_rate = 2000
window_ms = 50

[[channels]]
label = "Zygomaticus L"
muscle = "zygomaticus_major"
side = "left"

[[channels]]
label = "Orbicularis oculi L"
muscle = "orbicularis_oculi"
side = "left"

[outbox]
path = "{outbox}"
max_mb = 64
synchronous = "normal"

[driver.simulated]
seed = 2026
loop = true

[[driver.simulated.script]]
seconds = 4
state = "rest"

[[driver.simulated.script]]
seconds = 3
state = "custom"
levels = [0.3, 0.05]

[[driver.simulated.script]]
seconds = 3
state = "rest"

[[driver.simulated.script]]
seconds = 3
state = "synkinesis"
target = 0
synkinetic = 1
level = 0.6
ratio = 0.55
delay_ms = 35

[[driver.simulated.script]]
seconds = 3
state = "rest"

[[driver.simulated.script]]
seconds = 2
state = "custom"
levels = [0.05, 0.5]

[[driver.simulated.script]]
seconds = 2
state = "lead_off"
lead_off = [false, true]
"""


def seed_demo_agent(demo) -> None:
    if demo.device_token_file is None:
        return
    var_dir = Path(settings.VAR_DIR)
    site = urlparse(settings.SITE_URL)
    scheme = "wss" if site.scheme == "https" else "ws"
    url = f"{scheme}://{site.hostname or '127.0.0.1'}:{site.port or (443 if scheme == 'wss' else 8000)}"
    text = DEMO_AGENT_TOML.format(
        url=url, token_file=demo.device_token_file, outbox=var_dir / "demo-agent-outbox.sqlite3"
    )
    path = var_dir / "demo-agent.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
