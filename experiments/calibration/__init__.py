"""Calibration against the published aggregate figures (`civres calibrate`).

    config      the calibration's TOML config, checked in full
    statistics  what one simulation runs (sampled campaigns) and measures
    calibrate   ABC-SMC with pyabc, resumable from its SQLite history
    report      posterior summary, predictive check, figures
    record      which catalogue cases a committed calibration used

May import: `civres.model`, `civres.errors`, `civres.experiments.sweeps` and
`civres.experiments.history` and `civres.experiments.analysis` (figures).
"""
