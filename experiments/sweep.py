"""Where the sweep runner's names live now: this module only re-exports them.

`experiments/sweep.py` once did every step of a sweep; each step has its own module now,
and scripts that import from here keep working:

- designs.py: `SweepConfig`, `load_config`, `parse_config` (validation), `design_points`,
  `salib_problem`, `sample_matrix`, `MORRIS_LEVELS`;
- tasks.py: `RunTask`, `spawn_seeds`, `build_tasks`, `run_model`, `run_task`;
- executors.py: `SerialExecutor`, `open_executor` (process pool, Dask);
- store.py: `load_runs`, `load_trajectories`; chunks.py: `ChunkWriter`, `consolidate`;
  folders.py: atomic writes;
- runner.py: `run_sweep`, `SweepResult`, `run_many`;
- errors.py: `SweepError`, `SweepConfigError` (= `ConfigError`), `SweepAborted`;
- cli.py, commands.py: the `sweep` and `analyze` sub-commands.
"""

from .chunks import ChunkWriter, consolidate
from .designs import (
    MORRIS_LEVELS,
    SweepConfig,
    design_points,
    load_config,
    parse_config,
    salib_problem,
    sample_matrix,
)
from .errors import ConfigError, SweepAborted, SweepConfigError, SweepError
from .executors import SerialExecutor, open_executor
from .runner import SweepResult, count_errors, run_many, run_sweep
from .store import CHUNK_DIR, RUNS_FILE, TIMING_COLUMNS, TRAJ_FILE, load_runs, load_trajectories
from .tasks import RunTask, build_tasks, run_model, run_task, spawn_seeds

__all__ = [
    "CHUNK_DIR", "MORRIS_LEVELS", "RUNS_FILE", "TIMING_COLUMNS", "TRAJ_FILE", "ChunkWriter",
    "ConfigError", "RunTask", "SerialExecutor", "SweepAborted", "SweepConfig",
    "SweepConfigError", "SweepError", "SweepResult", "build_tasks", "consolidate",
    "count_errors", "design_points", "load_config", "load_runs", "load_trajectories",
    "open_executor", "parse_config", "run_many", "run_model", "run_sweep", "run_task",
    "salib_problem", "sample_matrix", "spawn_seeds",
]
