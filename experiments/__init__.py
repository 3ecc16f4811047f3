"""Experiments: historical cases, parameter sweeps and their analysis."""
