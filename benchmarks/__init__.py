"""Benchmarks: runners whose results are committed under benchmarks/results/."""
