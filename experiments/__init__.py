"""Experiments: historical cases, parameter sweeps and their analysis.

One module per step, imported in this order (no module imports one below it):

    errors      the error family (user errors: exit 2; RunAborted: exit 1)
    interrupts  SIGTERM and SIGHUP handled like Ctrl-C (exit 128 + n)
    designs     sweep configs, their validation and size limits, SALib designs, points
    tasks       a run task, seed spawning, one run (a failed run is a row with its error),
                the run table's schema, an experiment's identity
    executors   serial, process pool, Dask (workers capped, schedulers checked)
    store       atomic files, sealed Parquet chunks, locks, resume, reading run tables
    manifest    provenance (versions, commit) written with the store's atomic writer
    runner      the sweep loop (run_sweep) and run_many
    analyze     outcome probabilities, figures, sensitivity indices (figures: one campaign)
    cases, mapping, compare, facts   the comparison with history, on runner.run_many
    cli         the `civres` command line: every sub-command, errors to exit codes
    sweep       re-exports the names that lived in the old sweep module
"""
