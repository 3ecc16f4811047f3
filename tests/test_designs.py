"""Sweep designs (experiments/sweeps/designs.py): the config, its validation with one-line errors
naming the key, design points, and the run tasks and seeds built from them."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from sweep_helpers import SMOKE, write

from civres.cli import main
from civres.errors import CivresError, SweepError
from civres.experiments.sweeps.designs import (
    MORRIS_LEVELS,
    ConfigError,
    Design,
    SweepConfigError,
    design_points,
    load_config,
    parse_config,
    sample_matrix,
)
from civres.experiments.sweeps.tasks import build_tasks
from civres.model import Params


def test_smoke_config_is_a_40_run_grid():
    config = load_config(SMOKE)
    tasks = build_tasks(config)
    assert config.design is Design.GRID and len(design_points(config)) == 4
    assert not Design.GRID.sampled and all(d.sampled for d in Design if d != "grid")
    assert len(tasks) == 40
    assert [t.run_id for t in tasks] == list(range(40))
    assert {t.params["width"] for t in tasks} == {20}


def test_seeds_come_from_seed_sequence_in_run_order():
    config = load_config(SMOKE)
    children = np.random.SeedSequence(config.master_seed).spawn(40)
    expected = [int(c.generate_state(1)[0]) for c in children]
    assert [t.seed for t in build_tasks(config)] == expected
    assert len(set(expected)) == 40


def test_grid_point_order_and_replications():
    config = parse_config({
        "sweep": {"name": "g", "master_seed": 1, "replications": 2, "design": "grid"},
        "vary": {"legitimacy": [0.2, 0.4], "movement": [True, False]},
    })
    points = design_points(config)
    assert points == [{"legitimacy": 0.2, "movement": True},
                      {"legitimacy": 0.2, "movement": False},
                      {"legitimacy": 0.4, "movement": True},
                      {"legitimacy": 0.4, "movement": False}]
    tasks = build_tasks(config)
    assert [(t.point_id, t.rep) for t in tasks[:3]] == [(0, 0), (0, 1), (1, 0)]


@pytest.mark.parametrize("design, samples, n_points", [
    ("lhs", 7, 7), ("sobol", 4, 4 * (2 + 2)), ("morris", 3, 3 * (2 + 1))])
def test_sampled_designs_round_ints_and_stay_in_range(design, samples, n_points):
    config = parse_config({
        "sweep": {"name": "s", "master_seed": 5, "replications": 1, "design": design,
                  "samples": samples},
        "vary": {"legitimacy": {"min": 0.2, "max": 0.9},
                 "max_jail_term": {"min": 5, "max": 40}},
    })
    points = design_points(config)
    assert len(points) == n_points
    for point in points:
        assert isinstance(point["max_jail_term"], int) and 5 <= point["max_jail_term"] <= 40
        assert isinstance(point["legitimacy"], float) and 0.2 <= point["legitimacy"] <= 0.9
        Params(**point)
    assert design_points(config) == points  # deterministic in the config
    # whole numbers are rounded from the sampled values, never truncated
    raw = sample_matrix(config)[:, 1]
    assert [p["max_jail_term"] for p in points] == [min(max(round(v), 5), 40) for v in raw]


def test_morris_levels_are_one_constant():
    config = parse_config({
        "sweep": {"name": "m", "master_seed": 1, "replications": 1, "design": "morris",
                  "samples": 2},
        "vary": {"legitimacy": {"min": 0.0, "max": 0.9}},
    })
    # a Morris design's values lie on MORRIS_LEVELS grid levels of the range
    levels = np.unique(np.round(sample_matrix(config)[:, 0] / 0.9 * (MORRIS_LEVELS - 1), 9))
    assert set(levels) <= set(range(MORRIS_LEVELS))


BASE = {"name": "b", "master_seed": 1, "replications": 1, "design": "grid"}
BAD_CONFIGS = [
    # (description, TOML text, text the one-line message must contain)
    ("unknown fixed parameter", '[fixed]\nlegitimcy = 0.5', "fixed.legitimcy"),
    ("unknown varied parameter", '[vary]\nloyalty = [0.5]', "vary.loyalty"),
    ("wrong type of parameter", '[fixed]\nwidth = "wide"', "fixed.width"),
    ("float for an int", '[fixed]\nwidth = 20.5', "fixed.width"),
    ("out of range grid value", '[vary]\nlegitimacy = [0.5, 1.5]', "vary.legitimacy[1]"),
    ("empty grid list", '[vary]\nlegitimacy = []', "vary.legitimacy"),
    ("range given to a grid", '[vary.legitimacy]\nmin = 0.1\nmax = 0.5', "vary.legitimacy"),
    ("invalid design point", '[fixed]\nwidth = 9\nheight = 9\nsecurity_vision = 3\n'
     '[vary]\ncitizen_vision = [2, 6]', "design point 1 (citizen_vision=6)"),
    ("both fixed and varied", '[fixed]\nlegitimacy = 0.5\n[vary]\nlegitimacy = [0.1]',
     "vary.legitimacy"),
]
BAD_SWEEP = [
    ("missing master_seed", '[sweep]\nname = "b"\nreplications = 1\ndesign = "grid"',
     "sweep.master_seed"),
    ("wrong type replications",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = "ten"\ndesign = "grid"',
     "sweep.replications"),
    ("zero replications",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 0\ndesign = "grid"',
     "sweep.replications"),
    ("unknown design",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 1\ndesign = "random"',
     "sweep.design"),
    ("unknown sweep key",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 1\ndesign = "grid"\nseed = 3',
     "sweep.seed"),
    ("missing sweep table", '[fixed]\nwidth = 20', "[sweep]"),
    ("unknown table", '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 1\n'
     'design = "grid"\n[params]\nwidth = 3', "params"),
    ("bad name", '[sweep]\nname = "a/b"\nmaster_seed = 1\nreplications = 1\ndesign = "grid"',
     "sweep.name"),
    ("not TOML", '[sweep\nname = "b"', "not valid TOML"),
]
SAMPLED_HEAD = '[sweep]\nname = "s"\nmaster_seed = 1\nreplications = 1\n'
BAD_SAMPLED = [
    ("inverted range", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.8\nmax = 0.2', "vary.legitimacy"),
    ("empty range", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.5\nmax = 0.5', "vary.legitimacy"),
    ("range out of bounds", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.5\nmax = 1.5', "vary.legitimacy.max"),
    ("range missing max", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.5', "vary.legitimacy"),
    ("list given to a sampled design", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary]\nlegitimacy = [0.1, 0.2]', "vary.legitimacy"),
    ("samples missing", SAMPLED_HEAD + 'design = "morris"\n'
     '[vary.legitimacy]\nmin = 0.1\nmax = 0.5', "sweep.samples"),
    ("sobol samples not a power of 2", SAMPLED_HEAD + 'design = "sobol"\nsamples = 6\n'
     '[vary.legitimacy]\nmin = 0.1\nmax = 0.5', "sweep.samples"),
    ("boolean sampled", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.movement]\nmin = 0\nmax = 1', "vary.movement"),
    ("nothing varied", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4', "vary"),
    ("samples for a grid", SAMPLED_HEAD + 'design = "grid"\nsamples = 4', "sweep.samples"),
]


def _base_toml() -> str:
    return "[sweep]\n" + "\n".join(
        f"{k} = {json.dumps(v)}" for k, v in BASE.items()) + "\n"


@pytest.mark.parametrize(
    "text, key",
    [pytest.param(_base_toml() + body, key, id=desc) for desc, body, key in BAD_CONFIGS]
    + [pytest.param(body, key, id=desc) for desc, body, key in BAD_SWEEP + BAD_SAMPLED])
def test_bad_config_exits_2_with_one_line_naming_the_key(tmp_path, capsys, text, key):
    out = tmp_path / "out"
    status = main(["sweep", str(write(tmp_path, text)), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert key in err
    assert not out.exists()  # validated before any run


@pytest.mark.parametrize("body, message", [
    ('design = "morris"\n', "sweep.samples: missing; design 'morris' needs a positive integer"),
    ('design = "lhs"\nsamples = 4', "vary: design 'lhs' needs at least one range"),
    ('design = "latin"', "sweep.design: 'latin' is not allowed; allowed: grid, lhs, sobol, "
                         "morris")])
def test_design_errors_name_the_design_as_its_word(body, message):
    with pytest.raises(ConfigError) as error:
        parse_config(tomllib.loads(SAMPLED_HEAD + body))
    assert str(error.value).startswith(message)


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml"), "--no-progress"]) == 2
    assert "nope.toml" in capsys.readouterr().err


def test_config_errors_are_value_errors():
    with pytest.raises(SweepConfigError, match="sweep.design"):
        parse_config({"sweep": {**BASE, "design": "full"}})
    assert issubclass(SweepConfigError, ValueError)
    # one family: the old name is the config error, a sweep error and a user error
    assert SweepConfigError is ConfigError
    assert issubclass(ConfigError, SweepError) and issubclass(ConfigError, CivresError)
