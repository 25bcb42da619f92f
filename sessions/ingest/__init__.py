"""Device ingest: the websocket consumer edge devices stream EMG to, and the storage behind it.

consumers.py   thin Channels consumer at /ws/device/ (auth, validation, back-pressure, acks)
batching.py    process-wide batcher: commits windows of all connections in one transaction
services.py    writes (device connect/disconnect audit, recording open, batch commit)
selectors.py   reads (samples as float arrays with NaN gaps, gap list, window times)
listeners.py   INGEST_LISTENERS: async callables told about every committed batch
"""
