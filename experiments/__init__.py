"""Experiments on the model, grouped by job; each sub-package says what it may import.

    sweeps       parameter sweeps: configs and designs, run tasks and seeds, executors
                 (serial, process pool, Dask), the sealed result store, the runner,
                 run-table checks, signals, provenance manifests
    history      the comparison with history: the case catalogue, the one mapping from
                 coded conditions to parameters, `compare`, baselines, scores, the
                 aggregate `facts`, and the calibrated posterior they draw from
    calibration  `calibrate`: its config, what a simulation measures, ABC-SMC, its report
    analysis     a sweep's outcome probabilities, sensitivity indices and figures
    explore      the strategy explorer: each lever's paired effect on the odds

Imports run one way only: sweeps <- analysis <- history <- calibration, and history <-
explore (history and calibration draw their figures with analysis.figures); every
package may import `civres.model` and `civres.errors`. Nothing here imports the command
line (`civres.cli`, `civres.commands`) or the app (`civres.viz`);
tests/test_packaging.py checks both.
"""
