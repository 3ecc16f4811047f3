"""Comparison with history: the mapping, scoring, `civres compare` and `civres facts`."""

import inspect
import json
import math

import pytest
from case_samples import ONE_CASE

from civres.cli import main
from civres.experiments.history import mapping
from civres.experiments.history.cases import LEVELS, load_cases
from civres.experiments.history.compare import compare_cases, format_scores, group_scores, score
from civres.experiments.history.facts import facts, format_facts, run_facts, sample_cases
from civres.experiments.history.records import CaseComparison
from civres.experiments.history.scores import brier
from civres.model import Outcome, Params

SMALL = dict(width=20, height=20, citizen_vision=5, security_vision=5, max_steps=60)


def test_mapping_has_no_per_case_overrides():
    source = inspect.getsource(mapping)
    for case in load_cases():
        assert case.id not in source and case.country not in source


@pytest.mark.parametrize("condition, param", [
    ("legitimacy", "legitimacy"), ("security_cohesion", "security_loyalty"),
    ("repression_capacity", "repression"), ("discipline", "discipline"),
    ("breadth", "breadth"), ("media_freedom", "media_freedom"),
])
def test_each_level_moves_its_parameter_up(condition, param):
    base = load_cases()[0]
    values = []
    for level in LEVELS:
        conditions = base.conditions.__class__(**{**vars(base.conditions), condition: level})
        case = base.__class__(**{**vars(base), "conditions": conditions})
        values.append(getattr(mapping.case_params(case), param))
    assert values[0] < values[1] < values[2]


def test_learning_rises_with_era_and_every_case_maps_to_valid_params():
    assert mapping.learning_for_year(1960) < mapping.learning_for_year(2005) \
        < mapping.learning_for_year(2019)
    for case in load_cases():  # every case maps (Params validates it) to its central values
        params = mapping.case_params(case)
        legitimacy = mapping.LEVEL_VALUES["legitimacy"][1][case.conditions.legitimacy]
        shift = mapping.GRIEVANCE_SHIFT[case.conditions.grievance]
        assert params.legitimacy == pytest.approx(legitimacy + shift)


def test_brier_and_score_on_hand_made_rows():
    assert brier({"success": 1, "stalled": 0, "suppressed": 0, "violent": 0}, "success") == 0
    assert brier({"success": 0, "stalled": 1, "suppressed": 0, "violent": 0}, "success") == 2
    rows = [
        _row("success", {"success": 1.0, "stalled": 0.0, "suppressed": 0.0, "violent": 0.0},
             2, {}, {}),
        _row("violent", {"success": 0.5, "stalled": 0.0, "suppressed": 0.0, "violent": 0.5},
             2, {}, {}),
    ]
    assert [r.hit for r in rows] == [True, False]
    s = score(rows)
    assert s["accuracy"] == 0.5
    assert s["brier"] == pytest.approx((0 + 0.5) / 2)
    # base rates 0.5 success / 0.5 violent: each case scores 0.25 + 0.25
    assert s["brier_baseline"] == pytest.approx(0.5)
    assert s["base_rates"] == {"success": 0.5, "stalled": 0.0, "suppressed": 0.0,
                               "violent": 0.5}
    assert s["confusion"]["violent"]["success"] == 1


def test_compare_cases_is_reproducible_and_complete():
    cases = load_cases()[:3]
    a = compare_cases(cases, reps=2, seed=5, workers=1, **SMALL)
    b = compare_cases(cases, reps=2, seed=5, workers=2, **SMALL)
    assert a == b
    assert [r.id for r in a.cases] == [c.id for c in cases]
    for row in a.cases:
        assert sum(row.distribution.values()) == pytest.approx(1.0)
        lo, hi = row.simulated_duration_interval  # the model's 90% of runs
        assert lo <= row.simulated_duration_years <= hi
    assert [r.name for r in a.cases] == [c.name for c in cases]
    hits = [row.predicted == row.observed for row in a.cases]
    assert a.summary["accuracy"] == pytest.approx(sum(hits) / len(hits))
    # comparison.json keeps its keys, in their order, with plain words for outcomes
    written = json.loads(json.dumps(a.to_dict()))
    assert list(written) == ["cases", "summary", "reps", "seed"]
    assert list(written["cases"][0]) == [
        "id", "name", "observed", "predicted", "hit", "distribution", "n_runs",
        "observed_peak_pct", "simulated_peak_pct", "observed_defections",
        "simulated_defections", "used_in_calibration", "start_year", "baseline_logistic",
        "baseline_rates", "simulated_peak_interval", "observed_duration_years",
        "simulated_duration_years", "simulated_duration_interval"]
    assert written["cases"][0]["observed"] == cases[0].observed.outcome.value


def test_compare_gives_each_case_its_own_runs_with_mixed_batch_keys_on_two_workers(
        monkeypatch):
    # reform and maximalist cases batch apart; each case's row must be made of its own
    # runs, in input order, whatever order the workers finish in (issue 22)
    from collections import Counter

    from civres.experiments.history import compare
    from civres.experiments.sweeps import runner

    cases = load_cases()[:6]
    assert {c.goal for c in cases} == {"reform", "maximalist"}
    seen = []
    monkeypatch.setattr(compare, "run_many", lambda *a, **k: seen.append(
        runner.run_many(*a, **k)) or seen[-1])
    reps = 3
    result = compare_cases(cases, reps=reps, seed=5, workers=2, **SMALL)
    runs = seen[0]
    assert runs["reform_goal"].tolist() == [c.goal == "reform" for c in cases
                                            for _ in range(reps)]
    for k, (case, row) in enumerate(zip(cases, result.cases, strict=True)):
        own = runs["outcome"][k * reps:(k + 1) * reps]
        assert row.id == case.id and row.n_runs == reps
        assert row.distribution == {o: Counter(own)[o] / reps for o in Outcome}


def test_facts_rerun_violent_campaigns_with_their_own_seeds_and_history(monkeypatch):
    # a violent campaign is rerun to the horizon to see whether the regime fell: the
    # rerun must repeat the run (same seed, same verdict at the same step), not draw a
    # new campaign (issue 22); so must the paired reruns at each learning level
    from civres.experiments.history import facts as facts_module
    from civres.experiments.sweeps import runner

    calls = []

    def recording(params, seed, workers, **kwargs):
        calls.append((params, kwargs.get("seeds")))
        return runner.run_many(params, seed, workers, **kwargs)

    monkeypatch.setattr(facts_module, "run_many", recording)
    runs = run_facts(8, seed=3, workers=2, **SMALL)
    first, horizon, *paired = calls
    violent = runs.index[runs["turned_violent"]].tolist()
    assert len(violent) == 2 and first[1] is None  # seed 3: two violent among 8
    assert all(p["run_to_horizon"] for p in horizon[0])
    assert horizon[1] == runs.loc[violent, "seed"].tolist()
    again = runner.run_many(horizon[0], 0, 1, seeds=horizon[1])
    assert again["outcome"].tolist() == runs.loc[violent, "outcome"].tolist()
    assert again["decided_step"].tolist() == runs.loc[violent, "decided_step"].tolist()
    chosen = runs.index[runs["goal"] == "maximalist"].tolist()
    for params, seeds in paired:
        assert seeds == runs.loc[chosen, "seed"].tolist()
        assert [p["width"] for p in params] == [SMALL["width"]] * len(chosen)


def test_compare_cli_json_and_bad_case_file(tmp_path, capsys):
    good = tmp_path / "one.toml"
    good.write_text(ONE_CASE)
    assert main(["compare", "--cases", str(good), "--reps", "2", "--json", "--workers", "1",
                 "--out", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["cases"][0]) >= {"id", "observed", "predicted", "distribution",
                                       "used_in_calibration", "baseline_logistic",
                                       "baseline_rates"}
    assert set(result["summary"]) >= {"accuracy", "brier", "brier_baseline", "scores",
                                      "used_in_calibration", "development_set"}
    assert set(result["summary"]["scores"]["groups"]) == {
        "all", "used in calibration", "not used in calibration"}
    assert (tmp_path / "out" / "comparison.png").stat().st_size > 0
    bad = tmp_path / "bad.toml"
    bad.write_text(ONE_CASE.replace('legitimacy = "low"', 'legitimacy = "lowish"'))
    assert main(["compare", "--cases", str(bad)]) == 2
    assert "legitimacy" in capsys.readouterr().err
    assert main(["compare", "--reps", "0"]) == 2


def test_facts_numbers_and_keys():
    runs = run_facts(12, seed=1, workers=1, **SMALL)
    result = facts(runs)
    for key in ("nonviolent_success", "violent_success", "success_by_participation",
                "success_with_defection", "success_without_defection", "success_low_learning",
                "success_high_learning", "n_runs"):
        assert key in result.to_dict()
    assert set(result.success_by_participation) == {"0.0", "0.01", "0.1", "1.0", "3.5"}
    # the published comparisons are over maximalist campaigns only (issue 9: NAVCO's
    # campaigns are maximalist); outcome shares and success by goal over all 12
    maximalist = int((runs["goal"] == "maximalist").sum())
    assert 0 < maximalist < 12  # seed 1 samples both goals
    assert result.n_maximalist == maximalist
    assert result.n_nonviolent + result.n_violent == maximalist
    assert sum(result.n_by_participation.values()) == maximalist
    assert result.n_by_goal == {"maximalist": maximalist, "reform": 12 - maximalist}
    assert result.n_runs == 12
    assert sum(result.outcome_shares.values()) == pytest.approx(1.0)
    assert len(sample_cases(5, 0)) == 5 and sample_cases(5, 0) == sample_cases(5, 0)


def test_every_catalogue_case_is_a_preset_in_the_app():
    from civres.viz.presets import available_presets

    presets = available_presets()
    for case in load_cases():
        overrides = presets[f"case: {case.id}"]
        assert Params(**overrides) == mapping.case_params(case)


def test_coding_uncertainty_draws_within_each_levels_interval():
    import numpy as np

    case = load_cases()[0]
    rng = np.random.default_rng(0)
    for _ in range(50):
        drawn = mapping.case_overrides(case, rng)
        for condition, (param, table) in mapping.LEVEL_VALUES.items():
            lo, hi = mapping.level_interval(table, getattr(case.conditions, condition))
            value = drawn[param]
            if param == "legitimacy":
                value -= mapping.GRIEVANCE_SHIFT[case.conditions.grievance]
            assert lo - 1e-12 <= value <= hi + 1e-12
    # intervals of neighbouring levels meet and do not overlap
    table = mapping.LEVEL_VALUES["legitimacy"][1]
    assert mapping.level_interval(table, "low")[1] == pytest.approx(
        mapping.level_interval(table, "medium")[0])


def test_compare_without_coding_uncertainty_uses_central_values(monkeypatch):
    from civres.experiments.history import compare
    cases = load_cases()[:2]
    fixed = compare_cases(cases, reps=2, seed=5, workers=1, coding_uncertainty=False, **SMALL)
    assert fixed.summary["coding_uncertainty"] is False
    seen = []

    def parameters_only(params, seed, workers, **_):
        seen.append(params)
        raise RuntimeError("stop after the parameters")

    monkeypatch.setattr(compare, "run_many", parameters_only)
    for uncertain in (False, True):
        with pytest.raises(RuntimeError):
            compare_cases(cases, reps=2, seed=5, workers=1, coding_uncertainty=uncertain,
                          **SMALL)
    central, drawn = seen
    # each case's runs at its coding's central values, in case order
    assert central == [mapping.case_params(case, **SMALL).to_dict()
                       for case in cases for _ in range(2)]
    # with coding uncertainty, each run draws its own levels
    assert len({run["legitimacy"] for run in drawn}) == 4


def _failing_first(monkeypatch, module, n_fail=1):
    """Make `module`'s run_many fail the first n_fail runs of its first call (serially)."""
    from civres.experiments.sweeps import runner
    from civres.experiments.sweeps.tasks import run_model

    calls = {"runs": 0}

    def model_fn(params, seed, record):
        calls["runs"] += 1
        if calls["runs"] <= n_fail:
            raise RuntimeError("boom")
        return run_model(params, seed, record)

    monkeypatch.setattr(module, "run_many", lambda *args, **kwargs: runner.run_many(
        *args, **kwargs, model_fn=model_fn))


def test_compare_leaves_failed_runs_out_and_counts_them(monkeypatch):
    from civres.experiments.history import compare

    cases = load_cases()[:2]
    clean = compare_cases(cases, reps=3, seed=5, workers=1, **SMALL)
    assert "n_errors" not in clean.summary
    assert all("n_errors" not in row for row in clean.to_dict()["cases"])
    _failing_first(monkeypatch, compare)
    result = compare_cases(cases, reps=3, seed=5, workers=1, **SMALL)
    first, second = result.cases
    assert first.n_errors == 1 and first.n_runs == 2 and second.n_errors == 0
    assert first.to_dict()["n_errors"] == 1 and "n_errors" not in second.to_dict()
    assert sum(first.distribution.values()) == pytest.approx(1.0)  # over the 2 left
    assert all(v in (0.0, 0.5, 1.0) for v in first.distribution.values())
    assert second == clean.cases[1]
    assert result.summary["n_errors"] == 1
    assert result.summary["first_error"] == "RuntimeError: boom"
    assert result.summary["n_cases_unscored"] == 0
    text = compare.format_comparison(result)
    assert "(1 runs failed)" in text and "runs that failed: 1" in text
    assert "runs that failed" not in compare.format_comparison(clean)


def test_compare_shows_but_does_not_score_a_case_whose_runs_all_failed(monkeypatch):
    from civres.experiments.history import compare

    cases = load_cases()[:2]
    _failing_first(monkeypatch, compare, n_fail=2)
    result = compare_cases(cases, reps=2, seed=5, workers=1, **SMALL)
    first = result.cases[0]
    assert first.predicted is None and first.simulated_peak_pct is None and not first.scored
    assert first.distribution == {o: 0.0 for o in Outcome}  # no run, no share
    assert result.summary["n_cases"] == 1 and result.summary["n_cases_unscored"] == 1
    assert f"{first.id:<28}" in compare.format_comparison(result)


def test_facts_leave_failed_runs_out_and_count_them(monkeypatch):
    from civres.experiments.history import facts as facts_module

    clean = facts(run_facts(8, seed=1, workers=1, **SMALL))
    assert clean.n_errors == 0 and "n_errors" not in clean.to_dict()
    _failing_first(monkeypatch, facts_module, n_fail=2)
    runs = run_facts(8, seed=1, workers=1, **SMALL)
    assert runs["error"].notna().sum() == 2 and len(runs) == 8
    result = facts(runs)
    assert result.n_runs == 6 and result.n_errors == 2
    assert sum(result.n_by_goal.values()) == 6
    ok = runs["error"].isna()
    assert result.n_nonviolent + result.n_violent == int(
        (ok & (runs["goal"] == "maximalist")).sum())
    assert "2 more failed" in facts_module.format_facts(result)


def test_facts_leave_out_a_run_whose_rerun_to_the_horizon_failed(monkeypatch):
    from civres.experiments.history import facts as facts_module
    from civres.experiments.sweeps import runner
    from civres.experiments.sweeps.tasks import run_model

    def model_fn(params, seed, record):
        if params.run_to_horizon:
            raise RuntimeError("horizon boom")
        return run_model(params, seed, record)

    monkeypatch.setattr(facts_module, "run_many", lambda *args, **kwargs: runner.run_many(
        *args, **kwargs, model_fn=model_fn))
    runs = run_facts(8, seed=3, workers=1, **SMALL)
    violent = runs["turned_violent"]
    assert violent.sum() == 2  # seed 3 has two violent campaigns among 8
    assert (runs["error"][violent] == "run_to_horizon: RuntimeError: horizon boom").all()
    assert runs["error"][~violent].isna().all()
    result = facts(runs)
    assert result.n_errors == int(violent.sum()) and result.n_violent == 0


def test_facts_by_hand():
    import numpy as np
    import pandas as pd

    nan = np.nan
    # (goal, outcome, won, turned_violent, peak %, learning, defections, weeks, war weeks)
    rows = [
        ("maximalist", "success", True, False, 0.005, 0.15, True, 26, nan),
        ("maximalist", "stalled", False, False, 0.01, 0.5, False, 104, nan),
        ("maximalist", "violent", True, True, 2.0, 0.1, True, 52, 468),
        ("maximalist", "violent", False, True, 4.0, 0.5, False, 0, 520),
        ("maximalist", "success", True, False, 3.5, 0.45, True, 52, nan),
        ("reform", "success", True, False, 0.5, 0.1, False, 13, nan),
        ("reform", "suppressed", False, False, 0.2, 0.5, False, 0, nan),
        ("maximalist", None, False, False, nan, 0.1, False, nan, nan),   # failed
    ]
    runs = pd.DataFrame(rows, columns=[
        "goal", "outcome", "won", "turned_violent", "peak_participation_pct", "learning",
        "defections", "duration", "war_weeks"])
    runs["error"] = [None] * 7 + ["RuntimeError: boom"]
    result = facts(runs)
    # maximalist and run: the first five. Nonviolent 0, 1, 4 (won, lost, won); violent 2, 3
    assert (result.nonviolent_success, result.n_nonviolent) == (pytest.approx(2 / 3), 3)
    assert (result.violent_success, result.n_violent) == (0.5, 2)
    # bins by lower edge, each closed below: 0.01 falls in the second, 3.5 in the last
    assert result.success_by_participation == {
        "0.0": 1.0, "0.01": 0.0, "0.1": None, "1.0": 1.0, "3.5": 0.5}
    assert result.n_by_participation == {"0.0": 1, "0.01": 1, "0.1": 0, "1.0": 1, "3.5": 2}
    assert (result.success_with_defection, result.n_with_defection) == (1.0, 3)
    assert (result.success_without_defection, result.n_without_defection) == (0.0, 2)
    # learning <= 0.15 is low (runs 0, 2), >= 0.45 high (runs 1, 3, 4)
    assert (result.success_low_learning, result.n_low_learning) == (1.0, 2)
    assert result.success_high_learning == pytest.approx(1 / 3)
    assert result.n_high_learning == 3
    # years: 26, 104, 52 weeks among the nonviolent: 0.5, 2, 1 -> median 1
    assert result.median_years_nonviolent == 1.0
    assert result.median_years_violent == 9.5               # wars of 9 and 10 years
    assert result.median_years_by_outcome == {
        "success": 0.75, "stalled": 2.0, "suppressed": None,   # the reform run is left out
        "violent": 1.0}                                        # a duration of 0 is left out
    assert result.n_maximalist == 5
    # over every run that ran (7): outcome shares and success by goal
    assert result.outcome_shares == pytest.approx({
        "success": 3 / 7, "stalled": 1 / 7, "suppressed": 1 / 7, "violent": 2 / 7})
    assert result.success_by_goal == pytest.approx({"maximalist": 0.6, "reform": 0.5})
    assert result.n_by_goal == {"maximalist": 5, "reform": 2}
    assert (result.n_runs, result.n_errors) == (7, 1)


def test_facts_durations_leave_out_only_runs_of_no_time():
    import numpy as np
    import pandas as pd

    # four nonviolent maximalist stalls of 0, 1, 52 and 104 weeks: the run of no time is
    # left out (nothing was decided over time), the run of one week is not
    runs = pd.DataFrame({
        "goal": "maximalist", "outcome": "stalled", "won": False, "turned_violent": False,
        "peak_participation_pct": 0.5, "learning": 0.3, "defections": False,
        "duration": [0, 1, 52, 104], "war_weeks": np.nan, "error": None,
        # the paired learning reruns: none known at 0.15, two of three at 0.5 (one failed)
        "success_at_learning_0.15": np.nan, "success_at_learning_0.5": [1.0, 0.0, np.nan, 1.0]})
    result = facts(runs)
    assert result.median_years_nonviolent == 1.0           # of 1, 52, 104 weeks
    assert result.median_years_by_outcome["stalled"] == 1.0
    assert result.success_by_learning_paired == {"0.15": None, "0.5": pytest.approx(2 / 3)}
    absent = facts(runs.drop(columns=["success_at_learning_0.15", "success_at_learning_0.5"]))
    assert absent.success_by_learning_paired == {"0.15": None, "0.5": None}


def test_facts_leave_out_campaigns_that_never_formed_unless_asked():
    import pandas as pd

    # (outcome, won, formed, violent_flank): two maximalist runs never formed
    rows = [("success", True, True, False), ("success", True, True, True),
            ("stalled", False, True, False), ("suppressed", False, False, False),
            ("suppressed", False, False, False)]
    runs = pd.DataFrame(rows, columns=["outcome", "won", "formed", "violent_flank"])
    runs = runs.assign(goal="maximalist", turned_violent=False, peak_participation_pct=1.0,
                       learning=0.3, defections=False, duration=[10, 20, 30, 0, 0],
                       war_weeks=float("nan"), error=None)
    left_out = facts(runs)
    assert (left_out.nonviolent_success, left_out.n_nonviolent) == (pytest.approx(2 / 3), 3)
    assert left_out.n_never_formed == 2 and left_out.n_runs == 3
    assert left_out.outcome_shares["suppressed"] == 0.0
    assert left_out.nonviolent_wins_with_flank == 0.5   # one of the two wins
    counted = facts(runs, include_unformed=True)
    assert (counted.nonviolent_success, counted.n_nonviolent) == (0.4, 5)
    assert counted.n_never_formed == 2 and counted.include_unformed
    assert counted.outcome_shares["suppressed"] == 0.4
    # a run table from before the fields existed: every campaign counts as formed
    older = facts(runs.drop(columns=["formed", "violent_flank"]))
    assert older.n_never_formed == 0 and older.nonviolent_wins_with_flank == 0.0
    assert "2 campaigns never formed and are left out" in format_facts(left_out)


# ---------------------------------------------------------------------------- honest scores


def _row(observed, distribution, n_runs, rates, logistic, year=2000, used=False):
    from civres.experiments.history.scores import most_likely

    return CaseComparison(
        id="a-case", name="A case", observed=Outcome(observed), distribution=distribution,
        n_runs=n_runs, predicted=most_likely(distribution), observed_peak_pct=None,
        simulated_peak_pct=None, observed_defections=None, simulated_defections=None,
        start_year=year, used_in_calibration=used, baseline_rates=rates,
        baseline_logistic=logistic, split_baseline_rates=logistic,
        split_baseline_logistic=rates)


def test_group_scores_by_hand_with_a_temporal_split():
    def d(*p):
        return dict(zip(("success", "stalled", "suppressed", "violent"), p, strict=True))

    even = d(0.25, 0.25, 0.25, 0.25)
    rows = [
        # early, used: the model is right and sure; the rates even; the logistic half right
        _row("success", d(1, 0, 0, 0), 2, even, d(0.5, 0.5, 0, 0), year=1990, used=True),
        # early, not used: the model sure and wrong
        _row("stalled", d(1, 0, 0, 0), 2, even, d(0.5, 0.5, 0, 0), year=2006),
        # late, not used
        _row("violent", d(0, 0, 0.5, 0.5), 2, even, d(0, 0, 0, 1), year=2007),
    ]
    block = group_scores(rows, seed=0, split_year=2006)
    groups = block["groups"]
    assert list(groups) == ["all", "used in calibration", "not used in calibration",
                            "up to 2006", "after 2006"]
    assert [groups[g]["n"] for g in groups] == [3, 1, 2, 2, 1]
    used = groups["used in calibration"]
    assert used["model"]["brier"] == {"value": 0.0, "interval": [0.0, 0.0]}
    assert used["model"]["log_loss"]["value"] == pytest.approx(-math.log(2.5 / 4))
    assert used["base_rates"]["brier"]["value"] == pytest.approx(0.75)
    assert used["logistic"]["brier"]["value"] == pytest.approx(0.5)
    assert used["lowest_brier"] == "model"
    every = groups["all"]
    # model Brier per case 0, 2, 0.5; logistic 0.5, 0.5, 0
    assert every["model"]["brier"]["value"] == pytest.approx(2.5 / 3)
    assert every["logistic"]["brier"]["value"] == pytest.approx(1 / 3)
    assert every["model"]["accuracy"]["value"] == pytest.approx(1 / 3)  # the tie: suppressed
    diff = every["brier_difference"]["model_minus_logistic"]
    assert diff["value"] == pytest.approx(0.5)
    assert diff["interval"][0] <= 0.5 <= diff["interval"][1]
    assert every["lowest_brier"] == "logistic"
    # the split groups score the split baselines (swapped in these rows)
    late = groups["after 2006"]
    assert late["logistic"]["brier"]["value"] == pytest.approx(0.75)   # the even rates
    assert late["base_rates"]["brier"]["value"] == pytest.approx(0.0)  # sure and right
    assert late["lowest_brier"] == "base_rates"
    # no split: three groups; a group with no case is n 0, and formats
    plain = group_scores(rows[1:], seed=0)
    assert list(plain["groups"]) == ["all", "used in calibration", "not used in calibration"]
    assert plain["groups"]["used in calibration"] == {"n": 0}
    text = "\n".join(format_scores(plain))
    assert "used in calibration        0  (no case)" in text
    verdicts = [line.split(":")[0] for line in text.splitlines() if ": lowest Brier" in line]
    assert verdicts == ["all", "not used in calibration"]
    assert plain["baselines"] == ("fitted on the catalogue less the case itself "
                                  "(leave-one-out for catalogue cases)")  # no split said
    assert block == group_scores(rows, seed=0, split_year=2006)  # deterministic
    assert block != group_scores(rows, seed=1, split_year=2006)


def test_group_scores_seed_every_bootstrap(monkeypatch):
    from civres.experiments.history import scores

    seeds = []
    for name in ("summarise", "paired_difference"):
        real = getattr(scores, name)

        def recording(*args, _real=real):
            seeds.append(args[-1])
            return _real(*args)
        monkeypatch.setattr(scores, name, recording)
    even = {"success": 0.25, "stalled": 0.25, "suppressed": 0.25, "violent": 0.25}
    rows = [_row("success", even, 2, even, even, year=y) for y in (1990, 2010)]
    group_scores(rows, seed=7, split_year=2006)
    # four groups with cases (used in calibration has none), five bootstraps each
    assert seeds == [7] * 20


def test_the_split_baselines_learn_from_campaigns_starting_up_to_the_split_year(monkeypatch):
    from types import SimpleNamespace

    from civres.experiments.history import baselines, compare

    catalogue = load_cases()
    year = catalogue[0].start_year  # a campaign that starts in the split year is "up to"
    trained = []

    def fitted(cases, training):
        trained.append([c.id for c in training])
        return {"logistic": [f"logistic {len(trained)}"] * len(cases),
                "rates": [f"rates {len(trained)}"] * len(cases)}

    monkeypatch.setattr(baselines, "held_out", fitted)
    cases = catalogue[:2]
    rows = [SimpleNamespace() for _ in cases]
    compare._add_baselines(rows, cases, catalogue, frozenset({cases[1].id}), year)
    assert trained == [[c.id for c in catalogue],
                       [c.id for c in catalogue if c.start_year <= year]]
    assert catalogue[0].id in trained[1]
    assert [vars(r) for r in rows] == [
        {"used_in_calibration": c.id == cases[1].id, "start_year": c.start_year,
         "baseline_logistic": "logistic 1", "baseline_rates": "rates 1",
         "split_baseline_logistic": "logistic 2", "split_baseline_rates": "rates 2"}
        for c in cases]


def test_compare_reports_calibration_use_baselines_and_the_split():
    from civres.experiments.history import baselines
    from civres.experiments.history.compare import format_comparison

    catalogue = load_cases()
    ids = [c.id for c in catalogue]
    start = ids.index("lebanon-2005")
    cases = catalogue[start:start + 3]
    assert cases[0].start_year <= 2006 < cases[1].start_year  # lebanon 2005, then later ones
    result = compare_cases(cases, 2, 5, 1, used_in_calibration={cases[1].id},
                           split_year=2006, **SMALL)
    rows, summary = result.cases, result.summary
    assert [r.used_in_calibration for r in rows] == [False, True, False]
    assert summary["used_in_calibration"] == [cases[1].id]
    assert summary["n_used_in_calibration"] == 1
    assert "calibrated_on_catalogue" not in summary and "cross_validation" not in summary
    assert "development set" in summary["development_set"]
    # the baselines: leave-one-out on the catalogue; the split ones fitted on the early
    # campaigns only
    loo = baselines.leave_one_out(catalogue)
    first = ids.index(cases[0].id)
    assert rows[0].baseline_logistic == loo["logistic"][first]
    assert rows[0].baseline_rates == loo["rates"][first]
    early = [c for c in catalogue if c.start_year <= 2006]
    late_fit = baselines.fitted_on(early, cases[1:])
    assert [r.split_baseline_logistic for r in rows[1:]] == late_fit["logistic"]
    groups = summary["scores"]["groups"]
    assert {g: groups[g]["n"] for g in groups} == {
        "all": 3, "used in calibration": 1, "not used in calibration": 2,
        "up to 2006": 1, "after 2006": 2}
    for group in groups.values():
        for forecaster in ("model", "base_rates", "logistic"):
            for name in ("accuracy", "brier", "log_loss"):
                lo, hi = group[forecaster][name]["interval"]
                assert lo <= group[forecaster][name]["value"] <= hi
    # today's brier_baseline is kept: the base rates of the scored cases themselves
    assert summary["brier_baseline"] == score(rows)["brier_baseline"]
    text = format_comparison(result)
    assert "after 2006" in text and "lowest Brier" in text
    assert text.count("logistic ") >= 5  # one line per group for the logistic


def test_compare_cli_split_and_calibration_record(tmp_path, capsys, monkeypatch):
    from civres.experiments.calibration import record as calibration_record

    assert calibration_record.calibration_cases() == frozenset()
    monkeypatch.setattr(calibration_record, "calibration_cases",
                        lambda: frozenset({"serbia-2000"}))
    good = tmp_path / "one.toml"
    good.write_text(ONE_CASE)
    out = tmp_path / "out"
    assert main(["compare", "--cases", str(good), "--reps", "1", "--json", "--workers", "1",
                 "--split", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["cases"][0]["used_in_calibration"] is True
    assert "up to 2006" in result["summary"]["scores"]["groups"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["split_year"] == 2006 and manifest["used_in_calibration"] == ["serbia-2000"]
    assert manifest["regime_pillars"] is True
    # --no-regime-pillars: every regime rests on the default weights, and says so
    seen = []
    from civres.experiments.history import compare as compare_module
    monkeypatch.setattr(compare_module, "run_many", lambda params, *a, **k: seen.extend(
        params) or (_ for _ in ()).throw(RuntimeError("enough")))
    with pytest.raises(RuntimeError, match="enough"):
        main(["compare", "--cases", str(good), "--reps", "1", "--workers", "1",
              "--no-regime-pillars", "--out", str(tmp_path / "plain")])
    assert {p["weight_military"] for p in seen} == {Params().weight_military}  # not 0.35
    assert main(["compare", "--split=yes"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--split" in err


def _hand_made_comparison(**summary):
    """A comparison of two cases built by hand (no simulation): one with every figure,
    one whose runs all failed (no forecast, observed defections "no")."""
    from civres.experiments.history.records import Comparison
    shared = dict(n_runs=2, observed_peak_pct=None, simulated_peak_pct=None,
                  simulated_defections=None)
    full = CaseComparison(
        id="full", name="Full", observed=Outcome.SUCCESS, predicted=Outcome.SUCCESS,
        distribution={"success": 0.5, "stalled": 0.25, "suppressed": 0.25, "violent": 0.0},
        observed_defections=True, **{**shared, "observed_peak_pct": 2.5,
                                     "simulated_peak_pct": 1.234, "simulated_defections": 0.5},
        simulated_duration_years=0.75, observed_duration_years=3.0)
    failed = CaseComparison(
        id="failed", name="Failed", observed=Outcome.STALLED, predicted=None,
        distribution={o.value: 0.0 for o in Outcome}, observed_defections=False,
        n_errors=2, **shared)
    confusion = {o: {p: 0 for p in Outcome} for o in Outcome}
    confusion[Outcome.SUCCESS][Outcome.SUCCESS] = 1
    base = dict(accuracy=1.0, n_cases=1, accuracy_base_rate=1.0, brier=0.375,
                brier_baseline=0.0, coding_uncertainty=False, development_set="yes",
                used_in_calibration=[], confusion=confusion)
    return Comparison(cases=[full, failed], summary={**base, **summary}, reps=2, seed=1)


def test_the_comparison_table_prints_every_kind_of_row_and_summary_by_hand():
    from civres.experiments.history.compare import format_comparison
    lines = format_comparison(_hand_made_comparison()).splitlines()
    assert lines[1] == ("full                         success    success    yes   0.50  0.25  "
                        "0.25  0.00   1.23/2.50     0.50/yes       0.8/3")
    # no forecast: "-" for the prediction and each simulated figure, as wide as a number
    assert lines[2] == ("failed                       stalled    -          no    0.00  0.00  "
                        "0.00  0.00      -/-           -/no          -/-  (2 runs failed)")
    assert "coding uncertainty: central values" in lines
    assert "used in calibration: none (the calibration used no catalogue case)" in lines
    assert not any(line.startswith("coefficients:") for line in lines)


def test_the_comparison_summary_names_the_calibration_and_its_coefficients():
    from civres.experiments.history.compare import format_comparison
    text = format_comparison(_hand_made_comparison(
        coding_uncertainty=True, used_in_calibration=["a-1990", "b-2000"],
        coefficients="drawn per run from the posterior", posterior="post.csv"))
    lines = text.splitlines()
    assert "coding uncertainty: levels drawn within their intervals" in lines
    assert "used in calibration: a-1990, b-2000" in lines
    assert "coefficients: drawn per run from the posterior (post.csv)" in lines
    without = format_comparison(_hand_made_comparison(coefficients="the defaults"))
    assert "coefficients: the defaults" in without.splitlines()


@pytest.mark.parametrize(("interval", "said"), [
    ((0.01, 0.5), "model clearly worse"),
    ((0.5, 0.9), "model clearly worse"),
    ((-0.5, -0.01), "model clearly better"),
    ((-0.9, -0.5), "model clearly better"),
    ((0.0, 0.5), "no clear difference: the interval holds 0"),  # 0 is in the interval
    ((-0.5, 0.0), "no clear difference: the interval holds 0"),
    ((-0.5, 0.5), "no clear difference: the interval holds 0"),
])
def test_a_brier_difference_says_what_its_interval_says(interval, said):
    from civres.experiments.history.compare import _difference
    diff = {"value": 0.25, "interval": list(interval)}
    assert _difference(diff, "logistic") == (
        f"model - logistic +0.250 [{interval[0]:+.3f}, {interval[1]:+.3f}] ({said})")


def test_a_score_below_rounding_noise_prints_as_zero_without_a_sign():
    from civres.experiments.history.compare import _scored
    noise = {"value": -1e-13, "interval": [-5e-13, 2e-13]}
    assert _scored(noise, "+.3f") == "+0.000 [+0.000, +0.000]"
    # from 1e-12 on a value is printed as it is (a real negative rounds to -0.000)
    assert _scored({"value": -1e-12, "interval": [-0.0125, 0.5]}, ".3f") == (
        "-0.000 [-0.013, 0.500]")


def test_a_case_row_of_the_json_says_whether_it_was_hit():
    rows = [case.to_dict() for case in _hand_made_comparison().cases]
    assert [row["hit"] for row in rows] == [True, False]
    assert list(rows[0])[:5] == ["id", "name", "observed", "predicted", "hit"]


@pytest.fixture(scope="module")
def six_facts():
    return facts(run_facts(6, seed=2, workers=1, **SMALL))


def test_the_facts_text_heads_with_the_coefficients_and_their_posterior(six_facts):
    def first(note):
        return format_facts(six_facts, note).splitlines()[0]
    assert first({"coefficients": "drawn per run", "posterior": "p.csv"}) == (
        "coefficients: drawn per run (p.csv)")
    assert first({"coefficients": "the defaults"}) == "coefficients: the defaults"
    assert first({"posterior": "p.csv"}).startswith("runs: ")  # no coefficients: no line
    assert first({}).startswith("runs: ")


def test_the_facts_text_says_what_became_of_campaigns_that_never_formed(six_facts):
    import dataclasses

    def runs_line(**change):
        text = format_facts(dataclasses.replace(six_facts, **change))
        return text.splitlines()[0]
    n = six_facts.n_runs
    assert runs_line(n_never_formed=0, n_errors=0) == f"runs: {n}"
    assert runs_line(n_never_formed=3, n_errors=0) == (
        f"runs: {n}; 3 campaigns never formed and are left out")
    assert runs_line(n_never_formed=3, n_errors=2, include_unformed=True) == (
        f"runs: {n} (2 more failed and are left out); 3 campaigns never formed and are "
        "counted in every figure")


def test_a_duration_without_runs_reads_n_a(six_facts):
    import dataclasses
    text = format_facts(dataclasses.replace(
        six_facts, median_years_nonviolent=None,
        median_years_by_outcome={"success": None, "stalled": 1.25}))
    assert ("median duration, nonviolent campaigns      n/a years (published: about 3)"
            in text.splitlines())
    assert "median duration by outcome (years): success n/a, stalled 1.2" in text.splitlines()


def test_the_paired_learning_columns_exist_as_floats_even_with_no_maximalist_campaign():
    import pandas as pd

    from civres.experiments.history import facts as facts_module
    runs = pd.DataFrame({"goal": ["reform", "reform"], "error": [None, None], "seed": [1, 2]})
    facts_module._learning_counterfactual(runs, [{}, {}], workers=1)
    for level in facts_module.PAIRED_LEARNING:
        column = runs[f"success_at_learning_{level}"]
        assert column.dtype == float and column.isna().all()


def test_a_sampled_campaign_is_a_synthetic_case_named_by_its_number():
    from civres.experiments.history.cases import Observed
    from civres.experiments.history.facts import SAMPLED_YEARS
    cases = sample_cases(3, seed=4)
    assert [c.id for c in cases] == ["sample-0", "sample-1", "sample-2"]
    assert [c.name for c in cases] == ["sample 0", "sample 1", "sample 2"]
    for case in cases:
        assert case.country == "-" and case.end_year == case.start_year
        assert SAMPLED_YEARS[0] <= case.start_year <= SAMPLED_YEARS[1]
        assert case.observed == Observed("stalled", ("synthetic",))


def test_case_campaigns_judge_violence_at_the_majority_and_a_war_won_by_the_fall(monkeypatch):
    import numpy as np
    import pandas as pd

    from civres.experiments.history import facts as facts_module
    majority = facts_module.VIOLENT_MAJORITY
    stages = []

    def hand_made(params, seed, workers, seeds=None, stage=None):
        stages.append(stage)
        if stage == "campaigns":  # three runs: violent at exactly the majority, just
            return pd.DataFrame({  # under it, and a nonviolent success
                "error": [None, None, None], "outcome": ["violent", "stalled", "success"],
                "peak_violent_fraction": [majority, np.nextafter(majority, 0), 0.0],
                "security_defected_share": [0.0, 0.1, 0.0],
                "regime_fell": [False, False, True],  # the success was a collapse
                "seed": [11, 12, 13], "decided_step": [30, 40, 20], "duration": [20, 40, 20]})
        assert seeds == [11]  # only the violent run goes on, with its own seed
        return pd.DataFrame({"error": [None], "regime_fell": [True], "fell_step": [90],
                             "steps": [90]})

    monkeypatch.setattr(facts_module, "run_many", hand_made)
    cases = sample_cases(3, seed=4)
    runs = facts_module.run_case_campaigns(cases, 1, 1, paired=False)
    assert stages == ["campaigns", "violent campaigns run on to the horizon"]
    assert runs["turned_violent"].tolist() == [True, False, False]
    assert runs["defections"].tolist() == [False, True, False]
    # the war was won by the regime's fall on the rerun; the others by their outcome
    assert runs["won"].tolist() == [True, False, True]
    assert runs["fell_by_horizon"].tolist() == [True, False, True]
    # the war from the campaign's start (step 30 - 20) to the fall; no war for the others
    assert runs["war_weeks"].dtype == float
    assert runs["war_weeks"].iloc[0] == 90 - (30 - 20) and runs["war_weeks"][1:].isna().all()
    assert runs["start_year"].tolist() == [c.start_year for c in cases]
    assert runs["goal"].tolist() == [c.goal for c in cases]


def test_case_campaigns_need_coefficients_for_every_campaign():
    from civres.experiments.history.facts import run_case_campaigns
    with pytest.raises(ValueError):
        run_case_campaigns(sample_cases(2, seed=4), 1, 1, coefficients=[{}], **SMALL)
