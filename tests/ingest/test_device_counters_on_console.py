"""What ingest counts per device shows on the clinic admin's devices page."""

from __future__ import annotations

import uuid

from sessions.ingest import services
from sessions.ingest.services import RecordingProgress, WindowRow
from sessions.models import Recording
from tests.ingest.helpers import spec


def test_the_admin_sees_windows_bytes_rejects_and_connections_of_each_device(client_of, admin_a, device):
    identity = services.device_connect(authorization=f"Bearer {device.token}", origin=None, ip="10.0.0.7")
    services.device_connect(authorization=f"Bearer {device.token}", origin=None, ip="10.0.0.7")
    rid = uuid.uuid4()
    services.recording_open(device=identity, spec=spec(rid))
    rows = [WindowRow(rid, seq, seq * 100, 100, 0, 0, 0, 0, b"\x01\x00" * 200, 460, device.pk) for seq in range(3)]
    services.ingest_commit(windows=rows, gaps=[], ends=[], progress={rid: RecordingProgress(2, 2)})
    # The same windows again (a replay): stored once, bytes still counted as received.
    services.ingest_commit(windows=rows, gaps=[], ends=[], progress={rid: RecordingProgress(2, 2)})
    services.device_frames_rejected(device_id=device.pk, count=4)
    rec = Recording.objects.get(id=rid)
    assert rec.windows_stored == 3 and rec.acked_through == 2 and rec.chair_id == device.chair_id
    page = client_of(admin_a).get("/console/devices/").content.decode()
    row = page[page.index("chair1-pi") :]
    row = row[: row.index("</tr>")]
    cells = [c.split("<")[0].strip() for c in row.split('class="num">')[1:]]
    assert cells[0] == "3"  # windows stored
    assert "2.7" in cells[1]  # 6 × 460 bytes received, shown as KB
    assert cells[2] == "4" and cells[3] == "2"  # rejected frames, connections
