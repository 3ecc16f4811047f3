"""Shared by the emulator and history-matching tests (test_emulator, test_matching)."""

from __future__ import annotations

#: A calibration config small enough to run the real model in seconds: two coefficients,
#: a 16x16 grid, a 60-week horizon.
TINY = """
[abc]
population_size = 4
[run]
width = 16
height = 16
max_steps = 60
[priors]
fatigue = [0.0, 0.06]
backfire = [0.2, 3.0]
[targets]
nonviolent_success = 1.0
"""
