"""`civres calibrate CONFIG`: approximate Bayesian computation (ABC-SMC) with pyabc.

Each particle is a set of coefficients drawn from the config's uniform priors; its
simulation runs `campaigns` sampled maximalist campaigns (`statistics.simulate`;
the same campaigns for every particle, drawn with the config's seed, each run with its
own seed) and measures the aggregate facts; the distance to the targets is a weighted RMS of
scaled differences; pyabc's sequential Monte Carlo shrinks the tolerance each
generation (the median of the last generation's distances) and keeps every finished
generation in its SQLite history, `history.db` in the output folder. A calibration
killed at any point resumes from its last finished generation when run again with the
same config and folder.

Samplers: in-process with `--workers 1` (reproducible: the particles' random numbers
come from numpy's global generator, seeded with the config's seed), pyabc's multicore
sampler otherwise, pyabc's Dask sampler with `--scheduler ADDRESS`. Parallel samplers
accept particles in the order they finish, so their posterior is the same in law but
not draw for draw.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import OutputError
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


def run_calibration(config: CalibrationConfig, out_dir: Path, workers: int = 1,
                    scheduler: str | None = None,
                    simulator: Callable[..., dict[str, float | None]] = simulate
                    ) -> CalibrationResult:
    """Run (or resume) a calibration into out_dir; return its pyabc history.

    Raises:
        OutputError: out_dir holds a calibration of another config.
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.INFO)
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / HISTORY
    before, epsilon = 0, INITIAL_EPSILON
    if db.exists():
        _check_same_config(out_dir, config)
        history = pyabc.History(f"sqlite:///{db}")
        if history.max_t is None or history.max_t < 0:
            db.unlink()  # killed before its first generation finished: nothing to keep
        else:
            before = history.max_t + 1
            epsilon = _next_epsilon(history)
    abc = pyabc.ABCSMC(
        Simulation(config.campaigns, config.run, simulator, design_seed=config.seed),
        pyabc.Distribution(**{name: pyabc.RV("uniform", lo, hi - lo)
                              for name, (lo, hi) in config.priors.items()}),
        Distance(config.targets),
        population_size=config.population_size,
        eps=pyabc.QuantileEpsilon(initial_epsilon=epsilon, alpha=ALPHA),
        sampler=_sampler(workers, scheduler),
    )
    started = time.perf_counter()
    # pyabc draws its proposals from numpy's global generator (its samplers offer no
    # other): seeding it makes a serial calibration reproducible. Seeded per starting
    # generation, so a resumed one is reproducible too, though not draw for draw the same
    # as one never interrupted. The model's runs never use it (particle_seed).
    np.random.seed([config.seed, before])
    if before:
        abc.load(f"sqlite:///{db}", history.id)
    else:
        write_atomic(out_dir / IDENTITY, f"{config.identity()}\n{code_digest()}\n")
        abc.new(f"sqlite:///{db}", {name: value for name, (value, _) in config.targets.items()})
    remaining = config.generations - before
    try:
        history = abc.history if remaining <= 0 else abc.run(max_nr_populations=remaining)
    finally:
        if scheduler is not None:
            abc.sampler.shutdown()  # closes our Dask client (the cluster is not ours)
    return CalibrationResult(history, before, int(history.total_nr_simulations),
                             time.perf_counter() - started)


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
        from distributed import Client

        return pyabc.sampler.DaskDistributedSampler(Client(scheduler))
    if workers == 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


def posterior(history: Any) -> pd.DataFrame:
    """The last generation's particles: one row each, coefficients and `weight`."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)
    frame["weight"] = np.asarray(weights, dtype=float)
    return frame
