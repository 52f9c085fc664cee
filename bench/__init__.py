"""Benchmarks: scripts run by `make bench`; figures in RESULTS.md."""
