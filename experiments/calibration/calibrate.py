"""`civres calibrate CONFIG`: approximate Bayesian computation (ABC-SMC) with pyabc.

Each particle is a set of coefficients drawn from the config's uniform priors; its
simulation runs `campaigns` sampled maximalist campaigns (`statistics.simulate`;
the same campaigns for every particle, drawn with the config's seed, each run with its
own seed) and measures the aggregate facts; the distance to the targets is a weighted RMS of
scaled differences; pyabc's sequential Monte Carlo shrinks the tolerance each
generation (the median of the last generation's distances) and keeps every finished
generation in its SQLite history, `history.db` in the output folder. A calibration
killed at any point resumes from its last finished generation when run again with the
same config and folder: every generation is run from the history (its tolerance and
proposal computed from it, numpy's global generator seeded by seed and generation), so
a resumed serial calibration gives the posterior an uninterrupted one gives.

Samplers: in-process with `--workers 1` (reproducible: the particles' random numbers
come from numpy's global generator), pyabc's multicore sampler otherwise, pyabc's Dask
sampler with `--scheduler ADDRESS` (checked as sweeps check it). Parallel samplers
accept particles in the order they finish, so their posterior is the same in law but
not draw for draw.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import OutputError, WriteFailed
from civres.experiments.sweeps.folders import write_atomic

from .config import CalibrationConfig
from .report import weighted_quantile
from .statistics import distance, simulate

HISTORY = "history.db"
#: The config digest of the calibration a folder holds, then the digest of the code that
#: ran it, one a line (both checked before resuming).
IDENTITY = "config.sha"
#: Seeds of simulations lie below this.
SEED_LIMIT = 2**31 - 1
#: The first generation accepts every prior draw (no calibration sample spent on it).
INITIAL_EPSILON = 1e9
#: Each generation's tolerance is this quantile of the last generation's distances.
ALPHA = 0.5


@dataclass(frozen=True)
class Simulation:
    """pyabc's model: coefficients in, statistics out (NaN where a group was empty).

    A top-level class, not a closure, so that process pools and Dask can pickle it.
    A simulation's runs are seeded from its coefficients and the design seed
    (`particle_seed`): the same particle gives the same statistics, in any sampler, in
    any order.
    """

    campaigns: int
    run: dict[str, Any]
    simulator: Callable[..., dict[str, float | None]] = simulate
    #: Seed of the campaigns' conditions, the same for every particle.
    design_seed: int | None = None

    def __call__(self, parameter: dict[str, float]) -> dict[str, float]:
        """Simulate one particle's coefficients; return its statistics."""
        coefficients = {k: float(v) for k, v in dict(parameter).items()}
        seed = particle_seed(coefficients, self.design_seed or 0)
        stats = self.simulator(coefficients, self.campaigns, seed, self.run,
                               design_seed=self.design_seed)
        return {k: np.nan if v is None else float(v) for k, v in stats.items()}


def particle_seed(coefficients: dict[str, float], seed: int) -> int:
    """A seed for a particle's runs, from its exact coefficient values and a seed."""
    text = json.dumps(sorted((k, float(v).hex()) for k, v in coefficients.items()))
    words = np.frombuffer(hashlib.sha256(text.encode()).digest()[:16], dtype=np.uint32)
    return int(np.random.SeedSequence([seed, *words.tolist()]).generate_state(1)[0]
               % SEED_LIMIT)


@dataclass(frozen=True)
class Distance:
    """pyabc's distance: the weighted RMS gap between a simulation and the targets."""

    targets: dict[str, tuple[float, float]]

    def __call__(self, simulated: dict[str, float], _observed: Any = None) -> float:
        """The distance of one simulation's statistics from the targets."""
        known = {k: (None if v is None or not np.isfinite(v) else float(v))
                 for k, v in simulated.items()}
        return distance(known, self.targets)


@dataclass
class CalibrationResult:
    """What a calibration did and where its history is."""

    history: Any  # pyabc.History
    generations_before: int
    simulations: int
    seconds: float


#: Later generations need about this many simulations per accepted particle (each
#: tolerance is the median of the last generation's distances: measured 1.75 and 2.7 in
#: the committed calibration's two later generations).
SIMULATIONS_PER_PARTICLE = 2.5


def estimated_simulations(config: CalibrationConfig, generations_done: int = 0) -> int:
    """About how many simulations the generations still to run and the check will take.

    The first generation accepts every prior draw (population_size simulations); later
    ones about SIMULATIONS_PER_PARTICLE per particle; the predictive check
    predictive_draws more. An estimate for the budget guard, not a promise.
    """
    later = max(0, config.generations - max(generations_done, 1))
    first = config.population_size if generations_done == 0 else 0
    return int(first + later * config.population_size * SIMULATIONS_PER_PARTICLE
               + config.predictive_draws)


def run_calibration(config: CalibrationConfig, out_dir: Path, workers: int = 1,
                    scheduler: str | None = None,
                    simulator: Callable[..., dict[str, float | None]] | None = None,
                    progress: Callable[[str], None] | None = None) -> CalibrationResult:
    """Run (or resume) a calibration into out_dir; return its pyabc history.

    Each generation is run by an ABC-SMC loaded from the history, with numpy's global
    generator seeded by (seed, generation) and the tolerance computed from the history:
    a serial calibration killed at any point and resumed gives the same posterior, draw
    for draw, as one never interrupted.

    Args:
        config: the checked config.
        out_dir: the calibration's folder (its history and identity).
        workers: local processes (1: in this process, reproducible draw for draw).
        scheduler: a Dask scheduler's address (pyabc's Dask sampler) instead.
        simulator: what one particle simulates (default `statistics.simulate`, looked up
            when called, so tests can swap it).
        progress: called with one line after each generation (what it took, an estimate
            of the time left).

    Raises:
        OutputError: out_dir holds a calibration of another config, or a history file
            that is damaged or not a calibration's (left as it is).
        WriteFailed: the history could not be written (a full disk): the generations
            finished before are kept, and a rerun resumes after them.
        SweepError: the Dask scheduler cannot be used.
    """
    import pyabc

    from . import statistics

    logging.getLogger("ABC").setLevel(logging.WARNING)  # our own line per generation
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / HISTORY
    url = f"sqlite:///{db}"
    history, before = None, 0
    if db.exists():
        _check_same_config(out_dir, config)
        if _usable_history(db):
            history = pyabc.History(url)
            if history.max_t is not None and history.max_t >= 0:
                before = history.max_t + 1
        if before == 0:
            db.unlink()  # empty, or killed before its first generation finished
    simulation = Simulation(config.campaigns, config.run, simulator or statistics.simulate,
                            design_seed=config.seed)
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", lo, hi - lo)
                                  for name, (lo, hi) in config.priors.items()})
    started = time.perf_counter()
    sampler = _sampler(workers, scheduler)
    try:
        for t in range(before, config.generations):
            epsilon = INITIAL_EPSILON if t == 0 else _next_epsilon(history)
            abc = pyabc.ABCSMC(simulation, prior, Distance(config.targets),
                               population_size=config.population_size,
                               eps=pyabc.QuantileEpsilon(initial_epsilon=epsilon, alpha=ALPHA),
                               sampler=sampler)
            with _global_numpy_seeded([config.seed, t]), _history_writes(db):
                if t == 0:
                    write_atomic(out_dir / IDENTITY, f"{config.identity()}\n{code_digest()}\n")
                    abc.new(url, {name: value for name, (value, _) in config.targets.items()})
                else:
                    abc.load(url, history.id)
                history = abc.run(max_nr_populations=1)
            if progress is not None:
                progress(_generation_line(history, config, time.perf_counter() - started))
    finally:
        if scheduler is not None:
            sampler.shutdown()  # closes our Dask client (the cluster is not ours)
    if history is None:  # nothing left to run, and nothing loaded: cannot happen
        history = pyabc.History(url)
    return CalibrationResult(history, before, int(history.total_nr_simulations),
                             time.perf_counter() - started)


@contextmanager
def _global_numpy_seeded(words: list[int]) -> Iterator[None]:
    """Seed numpy's global generator for the block, then put its old state back.

    pyabc draws its proposals from numpy's global generator (its samplers offer no
    other). Seeded by (seed, generation), a resumed calibration draws what an
    uninterrupted one would; restored afterwards, the caller's global state is as it
    was. The model's runs never use it (particle_seed).
    """
    saved = np.random.get_state()
    np.random.seed(words)
    try:
        yield
    finally:
        np.random.set_state(saved)


def _usable_history(db: Path) -> bool:
    """Whether db is a pyabc history to resume; False for an empty file.

    Raises:
        OutputError: a file that is not SQLite, is damaged (truncated, garbled) or holds
            no pyabc history; it is left as it is, for the user to look at.
    """
    if db.stat().st_size == 0:
        return False
    try:
        with closing(sqlite3.connect(db, timeout=5)) as con:
            check = con.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as err:
        raise OutputError(f"{db}: not a readable calibration history ({err}); it is left as "
                          "it is: move it away (or give another --out) to start afresh"
                          ) from None
    if check != "ok":
        raise OutputError(f"{db}: damaged ({' '.join(str(check).split())[:120]}); it is left "
                          "as it is: move it away (or give another --out) to start afresh")
    if not {"abc_smc", "populations"} <= tables:
        raise OutputError(f"{db}: an SQLite file but not a calibration history (no pyabc "
                          "tables); it is left as it is: give another --out")
    return True


@contextmanager
def _history_writes(db: Path) -> Iterator[None]:
    """Turn a failed write to the history (a full disk) into one line; nothing is lost.

    SQLite writes each generation in a transaction: the generations finished before
    stay in the history, and a rerun resumes after them.
    """
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as err:
        why = " ".join(str(getattr(err, "orig", None) or err).split())
        raise WriteFailed(f"cannot write {db} ({why}); the generations finished before are "
                          "kept: free space and rerun to resume") from None


def _generation_line(history: Any, config: CalibrationConfig, elapsed: float) -> str:
    """One line on the generation just finished and an estimate of the time left."""
    t = int(history.max_t)
    last = history.get_all_populations().iloc[-1]
    seconds, simulations = float(last["wall_time"]), int(last["samples"])
    left = config.generations - t - 1
    per_simulation = seconds / max(simulations, 1)
    # later generations take longer: the tolerance shrinks (SIMULATIONS_PER_PARTICLE)
    eta = (left * config.population_size * SIMULATIONS_PER_PARTICLE
           + config.predictive_draws) * per_simulation
    return (f"calibrate: generation {t + 1} of {config.generations} done: {simulations} "
            f"simulations in {seconds:.0f} s (tolerance {float(last['epsilon']):.3g}, "
            f"{config.population_size / max(simulations, 1):.0%} accepted); "
            f"{elapsed:.0f} s so far, about {eta / 60:.0f} min left with the predictive check")


def _next_epsilon(history: Any) -> float:
    """The tolerance the generation after the history's last one would have had.

    pyabc starts a loaded run's tolerance from `initial_epsilon`; without this, a
    resumed calibration would accept every particle once more.
    """
    frame = history.get_weighted_distances(t=history.max_t)
    return weighted_quantile(frame["distance"].to_numpy(), frame["w"].to_numpy(), ALPHA)


def code_digest() -> str:
    """A digest of the code that decides a calibration's simulations.

    The model (sweeps.tasks.code_fingerprint) and the modules that turn sampled campaigns
    into parameters and measure them: the case schema, the mapping, the facts and the
    statistics. A history written by other code cannot be resumed: its generations
    would mix two models.
    """
    from civres.experiments.history import cases, facts, mapping
    from civres.experiments.sweeps.tasks import code_fingerprint

    from . import statistics

    digest = hashlib.sha256(json.dumps(code_fingerprint(), sort_keys=True).encode())
    for module in (cases, mapping, facts, statistics):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _check_same_config(out_dir: Path, config: CalibrationConfig) -> None:
    """Refuse to resume a history that another config, or other model code, wrote."""
    try:
        written = (out_dir / IDENTITY).read_text(encoding="utf-8").split()
    except OSError:
        written = []
    if not written or written[0] != config.identity():
        raise OutputError(f"{out_dir / HISTORY} holds a calibration of another config (or of "
                          "an unknown one); give another --out or delete that folder")
    if written[1:] != [code_digest()]:
        raise OutputError(f"{out_dir / HISTORY} holds a calibration run by other model code "
                          "(the model or the mapping changed since; resuming would mix two "
                          "models): move that folder away to recompute, or give another --out")


def _sampler(workers: int, scheduler: str | None) -> Any:
    """Pyabc's sampler for the requested workers or Dask scheduler."""
    import pyabc

    if scheduler is not None:
        from civres.experiments.sweeps.executors import connect_scheduler

        return pyabc.sampler.DaskDistributedSampler(connect_scheduler(scheduler))
    if workers == 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


def posterior(history: Any) -> pd.DataFrame:
    """The last generation's particles: one row each, coefficients and `weight`."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)
    frame["weight"] = np.asarray(weights, dtype=float)
    return frame
