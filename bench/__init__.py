"""Benchmarks: each script prints both sides of its comparison from one run (see RESULTS.md)."""
