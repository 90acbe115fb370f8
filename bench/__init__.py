"""Benchmarks: each module measures one thing and prints figures (not pass/fail)."""
