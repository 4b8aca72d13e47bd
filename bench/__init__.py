"""Benchmarks, run by hand (`bash bench/run.sh`); never part of the test suite."""
