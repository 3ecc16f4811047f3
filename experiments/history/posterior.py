"""The committed calibration's posterior, as `civres compare` and `civres facts` use it.

Each run draws its coefficients from the posterior's particles by weight (parameter
uncertainty, on top of the coding uncertainty of a case's levels), from a generator
seeded by the command's master seed on a stream of its own. Without a posterior
(`--no-posterior`, or no file), runs use the Params defaults.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import UsageError
from civres.model import Params
from civres.paths import COMMITTED_CALIBRATION, REPOSITORY

from .mapping import calibratable, mapped_fields

#: The committed calibration's posterior (written by `civres calibrate`).
DEFAULT_POSTERIOR = COMMITTED_CALIBRATION / "posterior.csv"
#: Most particles a posterior may have: a calibration's population_size is at most this.
MAX_PARTICLES = 10_000
#: Largest posterior file read (10,000 particles of every calibratable coefficient fit).
MAX_BYTES = 16_000_000
#: Third entropy word of the generator that draws coefficients (0: runs, 1: coding).
POSTERIOR_STREAM = 3


class Posterior:
    """Particles (one column per coefficient) and their weights."""

    def __init__(self, particles: pd.DataFrame, source: str, digest: str) -> None:
        self.particles = particles.drop(columns="weight").reset_index(drop=True)
        weights = particles["weight"].to_numpy(dtype=float)
        self.weights = weights / weights.sum()
        self.source = source
        self.digest = digest

    @property
    def names(self) -> list[str]:
        """The calibrated coefficients."""
        return list(self.particles.columns)

    def draw(self, n: int, seed: int) -> list[dict[str, float]]:
        """N coefficient sets drawn by weight, reproducibly for a seed."""
        return self.draw_from(np.random.default_rng([seed, POSTERIOR_STREAM]), n)

    def draw_from(self, rng: np.random.Generator, n: int) -> list[dict[str, float]]:
        """N coefficient sets drawn by weight from the given generator."""
        chosen = rng.choice(len(self.particles), size=n, p=self.weights)
        rows = self.particles.iloc[chosen].to_dict("records")
        return [{k: float(v) for k, v in row.items()} for row in rows]

    def describe(self) -> dict[str, Any]:
        """Where the posterior came from, for manifests and reports."""
        return {"posterior": self.source, "posterior_sha256": self.digest,
                "posterior_particles": len(self.particles), "calibrated": self.names}


def load_posterior(path: str | Path | None = DEFAULT_POSTERIOR) -> Posterior | None:
    """The posterior in a `posterior.csv`; None for path None or the default file missing.

    Only calibrated coefficients may come from a posterior (`mapping.calibratable`): a
    column for a field that a case's coding sets (legitimacy, say) would silently replace
    every case's coded value. A file larger than a calibration can write is refused
    before it is read (`MAX_PARTICLES`, `MAX_BYTES`), so a wrong file is one line, not
    minutes of silence.

    Raises:
        UsageError: a named file that is missing, too large or not a posterior (columns
            that are not calibrated coefficients, no positive weight, values out of range).
    """
    if path is None:
        return None
    path = Path(path)
    shown = f"--posterior {path}"
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        if path == DEFAULT_POSTERIOR:
            return None
        raise UsageError(f"{shown}: cannot read it ({err.strerror or err})") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"{shown}: larger than {MAX_BYTES:,} bytes, more than a "
                         f"calibration's posterior of {MAX_PARTICLES:,} particles; not a "
                         "posterior.csv")
    from io import BytesIO

    try:
        particles = pd.read_csv(BytesIO(data))
    except (ValueError, pd.errors.ParserError) as err:
        raise UsageError(f"{shown}: not a CSV table ({' '.join(str(err).split())})"
                         ) from None
    if len(particles) > MAX_PARTICLES:
        raise UsageError(f"{shown}: {len(particles):,} rows, more than a calibration's "
                         f"{MAX_PARTICLES:,} particles; not a posterior.csv")
    _check_columns(particles, shown)
    try:
        for row in particles.drop(columns="weight").to_dict("records"):
            Params(**row)
    except ValueError as err:
        raise UsageError(f"{shown}: {err}") from None
    return Posterior(particles, _shown(path), hashlib.sha256(data).hexdigest())


def _check_columns(particles: pd.DataFrame, shown: str) -> None:
    """A weight column (>= 0, not all 0) and calibrated coefficients, nothing else."""
    allowed = calibratable()
    others = [c for c in particles.columns if c != "weight" and c not in allowed]
    if others:
        mapped = [c for c in others if c in mapped_fields()]
        why = (f"{mapped[0]} is set by each case's coded conditions" if mapped
               else f"{others[0]} is not a calibrated coefficient")
        raise UsageError(f"{shown}: {why}; a posterior may hold only coefficients a "
                         f"calibration sets ({', '.join(allowed)}) and weight")
    weights = pd.to_numeric(particles.get("weight", pd.Series(dtype=float)), errors="coerce")
    if weights.empty or not (weights.fillna(-1) >= 0).all() or weights.sum() <= 0:
        raise UsageError(f"{shown}: need a 'weight' column (>= 0, not all 0) and one column "
                         "per calibrated coefficient")


def _shown(path: Path) -> str:
    """The path as results show it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPOSITORY))
    except ValueError:
        return str(path)
