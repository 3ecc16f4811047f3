"""Curated inputs, installed as package data: the historical case catalogue (cases.toml).

Read it with `civres.experiments.history.cases.load_cases()`; this file only makes the
folder a package, so the catalogue travels inside the wheel.
"""
