"""The database is restarted while a chair streams EMG: the ASGI server's PostgreSQL (a private
instance of this test) goes down mid-stream, cleanly or as in a crash, and comes back. The edge
agent (a real process with the simulated driver) keeps recording into its outbox and replays what
was not acknowledged; afterwards every window is stored exactly once, sample for sample."""

from __future__ import annotations

import json
import signal

import pytest

from tests.edge_agent.agents import write_config
from tests.edge_agent.processes import start_agent
from tests.harness.faults import call_in_django, migrate, wait_until
from tests.harness.servers import child_env, free_port, start_asgi_server, stop_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

DB = "retrain_fault_ingest"


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_every_sample_is_stored_once_when_postgres_restarts_mid_stream(
    mode, private_postgres, tmp_path, process_log_dir, test_output_dir
):
    pg = private_postgres
    url = pg.create_database(DB)
    migrate(url)
    device = call_in_django("tests.faults.in_private_db:register_device", database_url=url)

    def stored() -> int:
        try:
            return pg.sql("SELECT count(*) FROM therapy_recordingwindow", DB)[0][0]
        except Exception:  # noqa: BLE001 - the database is down for a moment on purpose
            return 0

    def sessions_audited() -> tuple[int, int]:
        counts = dict(
            pg.sql(
                "SELECT action, count(*) FROM clinic_auditevent WHERE outcome = 'ok'"
                " AND action IN ('device.connect', 'device.disconnect') GROUP BY action",
                DB,
            )
        )
        return counts.get("device.connect", 0), counts.get("device.disconnect", 0)

    port = free_port()
    server = start_asgi_server(process_log_dir, port=port, env=child_env(DATABASE_URL=url, CELERY_EAGER="1"))
    config = write_config(tmp_path, url=f"ws://127.0.0.1:{port}", token=device["token"], seed=11)
    agent = start_agent(config, process_log_dir, f"pg-restart-{mode}")
    try:
        before = wait_until(lambda: (n := stored()) >= 60 and n, timeout=90, what="60 stored windows")
        pg.restart(mode=mode, down_for=3.0)  # the agent keeps recording into its outbox meanwhile
        wait_until(lambda: stored() >= before + 200, timeout=120, what="the stream to resume after the restart")
        assert server.proc.poll() is None, "the server died with its database"
        stop_process(agent, signal.SIGTERM, timeout=60)
        assert agent.returncode == 0
        # Every connection the server accepted has its disconnect in the audit trail, including one
        # that ended while the database was down (written once it was back).
        wait_until(lambda: (n := sessions_audited())[0] == n[1] > 0, timeout=60, what="a disconnect row per connect")
    finally:
        stop_process(agent, signal.SIGKILL)
        server.stop()

    totals = call_in_django("tests.faults.in_private_db:stored_equals_generated", database_url=url, config=str(config))
    assert totals["windows"] >= before + 200
    assert totals["stored_windows"] == totals["windows"]  # samples lost = 0
    assert totals["duplicate_windows"] == 0
    assert pg.restarts == 1
    # The outage did hit the stream: a batch failed to commit, the server told the agent so and the
    # agent replayed from its outbox.
    assert "storage_unavailable" in (process_log_dir / f"agent-pg-restart-{mode}.log").read_text()
    late = pg.sql("SELECT count(*) FROM clinic_auditevent WHERE action = 'device.disconnect'"
                  " AND extra->>'written_late' = 'true'", DB)[0][0]  # fmt: skip
    assert late >= 1  # the connection the outage ended was audited once the database was back
    assert "ingest.disconnect_audit_failed" not in server.log()
    connects, disconnects = sessions_audited()
    figures = {
        "fault": f"postgres restart ({mode})",
        "lost_windows": 0,
        "duplicates": 0,
        "connections": connects,
        "disconnect_rows": disconnects,
        "disconnect_rows_written_late": late,
        **totals,
    }
    (test_output_dir / f"fault-postgres-restart-{mode}.json").write_text(json.dumps(figures, indent=2))
