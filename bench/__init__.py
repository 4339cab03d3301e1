"""Benchmarks, run with `make bench` (`python -m bench`). They print figures and never assert timings."""
