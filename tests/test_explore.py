"""The strategy explorer: its intervals, levers, paired runs and `civres explore`."""

import json
import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civres.cli import main
from civres.experiments.explore.explore import explore, format_exploration, strongest
from civres.experiments.explore.intervals import paired_difference, wilson
from civres.experiments.explore.levers import LEVERS, RANGES, Actor, chosen_levers
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, load_posterior
from civres.experiments.sweeps.tasks import run_model, spawn_seeds
from civres.model import Params
from civres.model.vocabulary import Outcome

# ---------------------------------------------------------------------------- intervals


def test_wilson_by_hand():
    # 0 of 100: the upper limit is z^2 / (n + z^2).
    z2 = 1.959963984540054 ** 2
    assert wilson(0, 100) == pytest.approx((0.0, z2 / (100 + z2)))
    assert wilson(100, 100) == pytest.approx((100 / (100 + z2), 1.0))
    # 5 of 10: centred on a half, half-width z*sqrt(1/40 + z^2/400) / (1 + z^2/10)
    half = 1.959963984540054 * math.sqrt(0.25 / 10 + z2 / 400) / (1 + z2 / 10)
    assert wilson(5, 10) == pytest.approx((0.5 - half, 0.5 + half))
    assert wilson(0, 0) == (0.0, 1.0)


def test_no_pair_differs_gives_an_interval_not_a_point():
    # Newcombe's method 10 with every pair 0/0: phi = 0, limits -u2 and +u1.
    z2 = 1.959963984540054 ** 2
    change, low, high = paired_difference(np.zeros(100), np.zeros(100))
    assert change == 0.0
    assert low == pytest.approx(-z2 / (100 + z2)) and high == pytest.approx(z2 / (100 + z2))


def test_every_pair_switching_on_is_a_change_of_one():
    # phi = 0 (a margin is empty); each Wilson interval's near side is z^2 / (50 + z^2)
    z2 = 1.959963984540054 ** 2
    change, low, high = paired_difference(np.ones(50), np.zeros(50))
    assert change == 1.0 and high == 1.0
    assert low == pytest.approx(1 - math.sqrt(2) * z2 / (50 + z2))


def test_correlated_pairs_narrow_the_interval_by_hand():
    # 30 pairs 1/1, 10 switched on, 5 switched off, 55 0/0: phi = (30*55 - 10*5) /
    # sqrt(40*60*35*65) = 0.6847; without the correlation the interval would be
    # [-0.0831, +0.1806]. Values computed apart from the module, from Newcombe's formula.
    after = np.array([1] * 30 + [1] * 10 + [0] * 5 + [0] * 55)
    before = np.array([1] * 30 + [0] * 10 + [1] * 5 + [0] * 55)
    change, low, high = paired_difference(after, before)
    assert change == pytest.approx(0.05)
    assert (low, high) == pytest.approx((-0.024927660394753595, 0.12396968702104749))
    # the quantile is the caller's: z = 1 gives a narrower interval
    assert paired_difference(after, before, z=1.0)[1:] == pytest.approx(
        (0.011577509761187058, 0.0881689187386492))
    # two identical pairs (1/1 and 0/0): every margin is 1, phi = 1, and the interval
    # closes on no change
    assert paired_difference(np.array([1, 0]), np.array([1, 0])) == pytest.approx(
        (0.0, 0.0, 0.0))


def test_paired_outcomes_must_match_in_length():
    with pytest.raises(ValueError, match="length"):
        paired_difference(np.ones(3), np.ones(4))
    assert paired_difference(np.ones(0), np.ones(0)) == (0.0, -1.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_the_interval_holds_the_change_and_turns_with_the_pairs(pairs):
    after = np.array([a for a, _ in pairs])
    before = np.array([b for _, b in pairs])
    change, low, high = paired_difference(after, before)
    assert -1.0 <= low <= change <= high <= 1.0
    assert change == pytest.approx(after.mean() - before.mean())
    turned = paired_difference(before, after)
    assert turned == pytest.approx((-change, -high, -low))


def test_more_pairs_give_a_narrower_interval():
    rng = np.random.default_rng(1)
    widths = []
    for n in (20, 200, 2000):
        before = rng.random(n) < 0.4
        after = np.where(rng.random(n) < 0.8, before, rng.random(n) < 0.6)
        _, low, high = paired_difference(after, before)
        widths.append(high - low)
    assert widths[0] > widths[1] > widths[2]


# ---------------------------------------------------------------------------- levers


def test_every_lever_moves_a_parameter_of_its_actor_and_nothing_else():
    base = Params().to_dict()
    assert {lever.actor for lever in LEVERS.values()} == set(Actor)
    for lever in LEVERS.values():
        assert lever.param in base
        for move in lever.moves:
            moved = lever.moved(base, move)
            changed = {k for k in base if moved[k] != base[k]}
            assert changed == {lever.param}, (lever.name, move)
            Params(**moved)  # still valid


def test_a_numeric_lever_moves_by_its_step_and_stops_at_its_range():
    lever = LEVERS["discipline"]
    assert lever.moved({"discipline": 0.5}, "up")["discipline"] == pytest.approx(0.7)
    assert lever.moved({"discipline": 0.5}, "down")["discipline"] == pytest.approx(0.3)
    assert lever.moved({"discipline": 0.9}, "up")["discipline"] == RANGES["discipline"][1]
    assert lever.moved({"discipline": 0.1}, "down")["discipline"] == 0.0
    goal = LEVERS["goal"]
    assert goal.moves == ("flip",)
    assert goal.moved({"reform_goal": True}, "flip") == {"reform_goal": False}


def test_targeting_a_pillar_moves_organising_up_within_the_shares_left():
    lever = LEVERS["target_business"]
    assert lever.actor == Actor.MOVEMENT and lever.moves == ("up",)
    none = dict.fromkeys(("target_civil_service", "target_business", "target_clergy",
                          "target_media"), 0.0)
    assert lever.moved(none, "up")["target_business"] == 0.5
    taken = {**none, "target_media": 0.8}
    assert lever.moved(taken, "up")["target_business"] == pytest.approx(0.2)
    Params(**{**Params().to_dict(), **lever.moved(taken, "up")})  # still valid


@pytest.mark.parametrize("names, needle", [
    (["discipline", "nope"], "unknown lever 'nope'; allowed: discipline, tactics"),
    (["goal", "learning", "learning"], "lever 'learning' is named twice"),
    ([], "no lever named; allowed: discipline, tactics, breadth, goal, "),
])
def test_chosen_levers_refuse_bad_names_in_one_line(names, needle):
    with pytest.raises(ValueError, match=needle):
        chosen_levers(names)


def test_chosen_levers_keep_the_order_given():
    assert [lever.name for lever in chosen_levers(["learning", "goal"])] == ["learning", "goal"]
    assert chosen_levers(None) == list(LEVERS.values())


# ---------------------------------------------------------------------------- paired runs

TINY = dict(width=8, height=8, citizen_vision=2, security_vision=2, max_steps=3)


def _threshold_model(seen):
    """A fake model: success when discipline exceeds a threshold drawn from the seed."""
    def model_fn(params, seed, record):
        seen.append((round(params.discipline, 6), seed))
        summary, trajectory = run_model(Params(**TINY), seed, record)
        cut = (seed % 1000) / 1000
        summary["outcome"] = Outcome.SUCCESS if params.discipline > cut else Outcome.SUPPRESSED
        return summary, trajectory
    return model_fn


def test_paired_runs_share_their_seeds_and_the_effect_is_counted_by_hand():
    seen = []
    base = [Params(**TINY, discipline=d).to_dict() for d in (0.1, 0.3, 0.5, 0.7, 0.9, 0.5)]
    result = explore(base, [LEVERS["discipline"]], seed=11, workers=1,
                     model_fn=_threshold_model(seen))
    seeds = spawn_seeds(11, len(base))
    cuts = [(s % 1000) / 1000 for s in seeds]
    before = [b["discipline"] > c for b, c in zip(base, cuts, strict=True)]
    up = [min(1.0, b["discipline"] + 0.2) > c for b, c in zip(base, cuts, strict=True)]
    down = [max(0.0, b["discipline"] - 0.2) > c for b, c in zip(base, cuts, strict=True)]
    assert result.baseline["success"]["p"] == pytest.approx(np.mean(before))
    effect = result.effect("discipline", "up", "success")
    assert effect.change == pytest.approx(np.mean(up) - np.mean(before))
    assert effect.value_before == pytest.approx(0.5)
    assert effect.value_after == pytest.approx(np.mean([0.3, 0.5, 0.7, 0.9, 1.0, 0.7]))
    assert result.effect("discipline", "down", "success").change == pytest.approx(
        np.mean(down) - np.mean(before))
    assert result.effect("discipline", "up", "suppressed").change == pytest.approx(
        -(np.mean(up) - np.mean(before)))
    # every variant ran pair i with seed i
    by_seed = {}
    for discipline, seed in seen:
        by_seed.setdefault(seed, []).append(discipline)
    assert set(by_seed) == set(seeds) and all(len(v) == 3 for v in by_seed.values())


def test_a_pair_with_a_failed_run_is_left_out_and_counted():
    seen = []
    fake = _threshold_model(seen)

    def failing(params, seed, record):
        if params.discipline > 0.95:
            raise RuntimeError("boom")
        return fake(params, seed, record)

    base = [Params(**TINY, discipline=d).to_dict() for d in (0.2, 0.4, 0.9)]
    result = explore(base, [LEVERS["discipline"]], seed=2, workers=1, model_fn=failing)
    assert result.n_errors == 1 and "1 of 9 runs raised" in result.notes[0]
    assert result.effect("discipline", "up", "success").n == 2
    assert result.effect("discipline", "down", "success").n == 3


def test_the_table_and_text_hold_every_lever_move_and_outcome():
    base = [Params(**TINY).to_dict()] * 3
    result = explore(base, chosen_levers(["goal", "repression"]), seed=0, workers=1,
                     model_fn=_threshold_model([]))
    table = result.table()
    assert len(table) == 3 * len(Outcome)
    moves = set(zip(table.lever, table.move, strict=True))
    assert moves == {("goal", "flip"), ("repression", "down"), ("repression", "up")}
    text = format_exploration(result)
    assert "goal" in text and "repression           up" in text
    assert len(strongest(result)) == 3
    assert json.loads(json.dumps(result.to_dict()))["effects"][0]["lever"] == "goal"


def test_every_base_run_failing_aborts():
    from civres.errors import RunAborted

    def boom(params, seed, record):
        raise RuntimeError("boom")

    with pytest.raises(RunAborted, match="all 2 base runs failed"):
        explore([Params(**TINY).to_dict()] * 2, [LEVERS["goal"]], 0, 1, model_fn=boom)


# ---------------------------------------------------------------------------- the command

SMALL = ["--param", "width=12", "--param", "height=12", "--param", "max_steps=40",
         "--param", "citizen_vision=3", "--param", "security_vision=3"]


def test_explore_a_case_writes_its_files_and_reproduces_from_its_manifest(
        tmp_path, capsys, monkeypatch):
    out = tmp_path / "ex"
    argv = ["explore", "--case", "egypt-2011", "--levers", "discipline,goal", "--reps", "4",
            "--seed", "5", "--workers", "1", "--out", str(out), *SMALL]
    monkeypatch.setattr(sys, "argv", ["civres", *argv])  # what the manifest records
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "case egypt-2011 with width=12" in printed and "discipline           down" in printed
    for name in ("explore.json", "explore.csv", "explore.png", "manifest.json"):
        assert (out / name).stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["case"] == "egypt-2011" and manifest["levers"] == ["discipline", "goal"]
    # a case draws from the committed posterior (none where there is none, as in a wheel)
    committed = load_posterior(DEFAULT_POSTERIOR)
    assert manifest["posterior_sha256"] == (committed.digest if committed else None)
    written = json.loads((out / "explore.json").read_text())
    assert written["reps"] == 4 and len(written["effects"]) == 3 * len(Outcome)
    # the manifest's command line, rerun into another folder, gives the same numbers
    again = [a if a != str(out) else str(tmp_path / "again") for a in manifest["command"][1:]]
    assert main(again) == 0
    assert json.loads((tmp_path / "again" / "explore.json").read_text()) == written


def test_explore_a_preset_uses_no_posterior_unless_told(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["explore", "--preset", "success", "--levers", "repression", "--reps", "2",
                 "--workers", "1", "--out", str(out), "--json", *SMALL]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["setting"].startswith("preset success")
    assert printed["coefficients"] == "Params defaults (no posterior)"
    assert json.loads((out / "manifest.json").read_text())["posterior_sha256"] is None


@pytest.mark.parametrize("argv, needle", [
    (["--case", "atlantis-1990"], "unknown case 'atlantis-1990'; allowed: "),
    (["--case", "egypt-2011", "--preset", "success"], "not both"),
    (["--cases", "x.toml"], "--cases FILE needs --case ID"),
    (["--preset", "nope"], "unknown preset 'nope'; allowed: "),
    (["--levers", "discipline,charm"], "--levers: unknown lever 'charm'; allowed: "),
    (["--reps", "0"], "--reps"),
    (["--param", "discipline=2"], "discipline"),
    (["--case", "egypt-2011", "--cases", "/no/such.toml"], "--cases /no/such.toml"),
    (["--reps", "100000"], "more than the limit"),
])
def test_explore_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path):
    assert main(["explore", *argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_explore_is_listed_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "explore" in capsys.readouterr().out
