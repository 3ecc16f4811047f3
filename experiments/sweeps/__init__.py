"""Parameter sweeps, from a TOML config to a sealed table of runs.

One module per step (none imports a module listed below it):

    interrupts  SIGTERM and SIGHUP handled like Ctrl-C (exit 128 + n)
    designs     sweep configs, their validation and size limits, SALib designs, points
    tasks       a run task, seed spawning, runs in a worker (a failed run is a row with
                its error), the run table's schema, an experiment's identity
    executors   serial, process pool, Dask (workers capped, schedulers checked)
    folders     atomic files, output-folder checks, folders written whole, the lock
    seals       sealed Parquet files: written, read back and checked (checksums)
    store       a result folder's layout; reading run tables back (load_runs, scans)
    chunks      writing runs as they finish (ChunkWriter), consolidate, tidy on resume
    manifest    provenance (parameters, seed, versions, commit), written atomically
    runner      the sweep loop (run_sweep) and run_many
    checks      a run table checked against its schema and ranges; completeness

May import: `civres.model`, `civres.errors`. Nothing else of the project.
"""
