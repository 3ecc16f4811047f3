"""Experiments: historical cases, parameter sweeps and their analysis.

One module per step, imported in this order (no module imports one below it):

    errors      the error family (user errors: exit 2; RunAborted: exit 1)
    interrupts  SIGTERM and SIGHUP handled like Ctrl-C (exit 128 + n)
    designs     sweep configs, their validation and size limits, SALib designs, points
    tasks       a run task, seed spawning, one run (a failed run is a row with its error),
                the run table's schema, an experiment's identity
    executors   serial, process pool, Dask (workers capped, schedulers checked)
    folders     atomic files, output-folder checks, folders written whole, the folder lock
    seals       sealed Parquet files: seals written, read back and checked (checksums)
    store       a result folder's layout; reading run tables back (load_runs, scans)
    chunks      writing runs as they finish (ChunkWriter), consolidate, tidy before resume
    manifest    provenance (versions, commit) written with the atomic writer
    runner      the sweep loop (run_sweep) and run_many
    checks      a run table checked against its declared schema and ranges; completeness
    sensitivity Sobol or Morris indices and their figure
    analyze     outcome probabilities and figures of a sweep (figures: one campaign)
    cases, mapping, compare, facts   the comparison with history, on runner.run_many
    commands    the sub-commands' handlers (cmd_run, cmd_sweep, ...), where results go
    cli         the `civres` command line: registers every sub-command, errors to exit codes
    sweep       re-exports the names that lived in the old sweep module
"""
