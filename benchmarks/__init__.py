"""Performance measurements (``python -m benchmarks.<name>``); JSON out, ratios against peers."""
