"""The posterior that compare and facts draw coefficients from (history/posterior.py)."""

from __future__ import annotations

import pytest

from civres.cli import main
from civres.errors import UsageError
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, load_posterior


def write(path, text):
    path.write_text(text)
    return path


def test_draws_follow_the_weights_and_the_seed(tmp_path):
    post = load_posterior(write(tmp_path / "p.csv",
                                "fatigue,erosion,weight\n0.01,0.02,0\n0.03,0.04,1\n0.05,0.06,3\n"))
    drawn = post.draw(400, seed=7)
    assert post.draw(400, seed=7) == drawn
    assert post.draw(400, seed=8) != drawn
    fatigue = [d["fatigue"] for d in drawn]
    assert 0.01 not in fatigue  # weight 0: never drawn
    assert fatigue.count(0.05) / 400 == pytest.approx(0.75, abs=0.07)
    assert {tuple(d.values()) for d in drawn} <= {(0.03, 0.04), (0.05, 0.06)}  # rows kept whole
    assert post.describe()["calibrated"] == ["fatigue", "erosion"]
    assert len(post.describe()["posterior_sha256"]) == 64


@pytest.mark.parametrize(("text", "message"), [
    ("fatigue\n0.1\n", "need a 'weight' column"),
    ("fatigue,weight\n0.1,-1\n", "need a 'weight' column"),
    ("fatigue,weight\n0.1,0\n", "need a 'weight' column"),
    ("nonsense,weight\n0.1,1\n", "nonsense is not a calibrated coefficient"),
    ("fatigue,weight\n0.9,1\n", "fatigue"),
])
def test_bad_posterior_files_are_refused(tmp_path, text, message):
    with pytest.raises(UsageError, match=message):
        load_posterior(write(tmp_path / "p.csv", text))


@pytest.mark.parametrize("column", ["legitimacy", "repression", "learning", "width"])
def test_a_posterior_may_not_set_what_the_case_coding_or_the_run_sets(tmp_path, column):
    # compare --posterior once took a legitimacy column and silently replaced every
    # case's coded legitimacy with it: only calibrated coefficients come from a posterior
    path = write(tmp_path / "p.csv", f"fatigue,{column},weight\n0.01,0.5,1\n")
    with pytest.raises(UsageError, match=column) as refused:
        load_posterior(path)
    assert "\n" not in str(refused.value)
    if column != "width":
        assert "set by each case's coded conditions" in str(refused.value)


def test_a_posterior_larger_than_a_calibration_writes_is_refused_before_reading(
        tmp_path, monkeypatch):
    # a 36 MB file once kept compare silent for minutes while every row was checked
    from civres.experiments.history import posterior

    rows = "".join(f"0.01,{i}\n" for i in range(1, 12))
    path = write(tmp_path / "p.csv", "fatigue,weight\n" + rows)
    monkeypatch.setattr(posterior, "MAX_PARTICLES", 10)
    with pytest.raises(UsageError, match="11 rows, more than a calibration's 10 particles"):
        load_posterior(path)
    monkeypatch.setattr(posterior, "MAX_BYTES", 50)
    with pytest.raises(UsageError, match="larger than 50 bytes"):
        load_posterior(path)


def test_the_cap_is_what_a_calibration_can_write():
    from civres.experiments.calibration.config import ABC_KEYS
    from civres.experiments.history.mapping import calibratable
    from civres.experiments.history.posterior import MAX_BYTES, MAX_PARTICLES

    assert MAX_PARTICLES == ABC_KEYS["population_size"][1]
    widest = ",".join(["0.012345678901234567"] * (len(calibratable()) + 1)) + "\n"
    assert MAX_PARTICLES * len(widest) < MAX_BYTES


def test_a_missing_named_file_is_an_error_but_the_default_may_be_absent(tmp_path):
    with pytest.raises(UsageError, match="cannot read it"):
        load_posterior(tmp_path / "nothing.csv")
    assert load_posterior(None) is None
    if not DEFAULT_POSTERIOR.exists():
        assert load_posterior() is None


def test_facts_refuses_both_posterior_options(tmp_path, capsys):
    assert main(["facts", "--samples", "2", "--posterior", "x.csv", "--no-posterior",
                 "--out", str(tmp_path / "f")]) == 2
    assert "not both" in capsys.readouterr().err


def test_the_calibration_record_names_the_cases_it_used(tmp_path):
    from civres.experiments.calibration.record import calibration_cases

    summary = tmp_path / "calibration.json"
    summary.write_text('{"training_cases": ["serbia-2000", "chile-1988"]}')
    assert calibration_cases(summary) == {"serbia-2000", "chile-1988"}
    summary.write_text('{"simulations": 3}')
    assert calibration_cases(summary) == frozenset()
    summary.write_text("not json")
    assert calibration_cases(summary) == frozenset()
    assert calibration_cases(tmp_path / "absent.json") == frozenset()


def test_compare_and_facts_runs_take_their_coefficients_from_the_posterior(tmp_path,
                                                                          monkeypatch):
    from civres.experiments.history import compare, facts
    from civres.experiments.history.cases import load_cases

    post = load_posterior(write(tmp_path / "p.csv", "fatigue,weight\n0.011,1\n0.033,1\n"))
    seen = []

    def fake_run_many(params, seed, workers, **_):
        seen.extend(p["fatigue"] for p in params)
        raise RuntimeError("stop after the parameters")

    for module in (compare, facts):
        monkeypatch.setattr(module, "run_many", fake_run_many)
    cases = load_cases()[:3]
    with pytest.raises(RuntimeError):
        compare.compare_cases(cases, 4, 1, 1, posterior=post)
    assert len(seen) == 12 and set(seen) == {0.011, 0.033}
    seen.clear()
    with pytest.raises(RuntimeError):
        facts.run_facts(12, 1, 1, posterior=post)
    assert len(seen) == 12 and set(seen) == {0.011, 0.033}
    seen.clear()
    with pytest.raises(RuntimeError):
        compare.compare_cases(cases, 2, 1, 1)
    assert set(seen) == {0.02}  # no posterior: the Params default


def test_the_committed_posterior_is_shown_by_its_repository_path():
    post = load_posterior()
    if post is None:
        pytest.skip("no committed calibration")
    assert post.source == "results/calibration/posterior.csv"


def test_params_defaults_cite_where_they_stand_in_the_committed_posterior():
    """Each calibrated coefficient's source says whether its default lies in the
    committed posterior's 90% interval, and the median it quotes is the posterior's."""
    import json
    from dataclasses import fields

    from civres.experiments.calibration.record import CALIBRATION_SUMMARY
    from civres.model import Params

    if not CALIBRATION_SUMMARY.exists():
        pytest.skip("no committed calibration")
    posterior = json.loads(CALIBRATION_SUMMARY.read_text())["posterior"]
    declared = {f.name: f for f in fields(Params)}
    assert set(posterior) <= set(declared)
    for name, summary in posterior.items():
        lo, hi = summary["interval_90"]
        source = declared[name].metadata["source"]
        assert "results/calibration" in source, name
        if lo <= declared[name].default <= hi:
            assert "inside the posterior's 90% interval" in source, name
        else:
            assert "outside the posterior's 90% interval" in source, name
            quoted = float(source.split("(median ")[1].split(")")[0])
            assert quoted == pytest.approx(summary["median"], rel=0.05), name


def test_facts_draw_their_coefficients_from_the_posterior_by_seed(tmp_path, monkeypatch):
    from civres.experiments.history import facts

    post = load_posterior(write(tmp_path / "p.csv", "fatigue,weight\n0.011,1\n0.022,1\n"
                                "0.033,1\n0.044,1\n0.055,1\n"))
    seen = []

    def fake_run_many(params, seed, workers, **_):
        seen.append([p["fatigue"] for p in params])
        raise RuntimeError("stop after the parameters")

    monkeypatch.setattr(facts, "run_many", fake_run_many)
    for seed in (1, 1, 2):
        with pytest.raises(RuntimeError):
            facts.run_facts(20, seed, 1, posterior=post)
    assert seen[0] == seen[1] != seen[2]
    assert seen[0] == [d["fatigue"] for d in post.draw(20, 1)]
