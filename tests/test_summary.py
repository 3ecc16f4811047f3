"""The declared run summary, the recorder and the shared vocabulary."""

import numpy as np
import pytest

from model import RUN_COLUMNS, CivilResistanceModel, Params, RunSummary
from model.recorder import TRAJECTORY_COLUMNS, Recorder
from model.summary import RUN_COLUMN_NAMES
from model.vocabulary import CITIZEN_STATES, OUTCOME_COLOURS, OUTCOMES, PILLAR_NAMES, CitizenState


def _small_run():
    model = CivilResistanceModel(Params(width=12, height=12, citizen_vision=3,
                                        security_vision=3, max_steps=20), rng=3)
    model.run()
    return model


def test_summary_dict_keeps_todays_keys_in_order():
    summary = _small_run().summary()
    assert list(summary) == [
        "outcome", "decided_step", "steps", "peak_participation", "peak_participation_pct",
        "peak_violent_share", "peak_violent_fraction", "security_defected_share",
        "pillar_loyalty", "regime_support", "legitimacy", "arrests", "killings", "regime_fell"]
    assert list(summary["pillar_loyalty"]) == list(PILLAR_NAMES)


def test_row_matches_the_declared_columns_and_types():
    row = _small_run().run_summary().row()
    assert tuple(row) == RUN_COLUMN_NAMES
    python_type = {"string": str, "int64": int, "float64": float, "bool": bool}
    for column in RUN_COLUMNS:
        value = row[column.name]
        if value is None:
            assert column.nullable, column.name
        else:
            assert type(value) is python_type[column.dtype], column.name
    assert "final_legitimacy" in row and "legitimacy" not in row  # beside the parameter


def test_summary_round_trips_and_refuses_what_it_does_not_declare():
    summary = _small_run().run_summary()
    assert RunSummary.from_dict(summary.to_dict()) == summary
    with pytest.raises(ValueError, match="lacks arrests"):
        RunSummary.from_dict({k: v for k, v in summary.to_dict().items() if k != "arrests"})
    with pytest.raises(ValueError, match="not one of"):
        RunSummary.from_dict({**summary.to_dict(), "outcome": "won"})
    with pytest.raises(ValueError, match="pillar_loyalty"):
        RunSummary.from_dict({**summary.to_dict(), "pillar_loyalty": {"police": 1.0}})


def test_recorder_refuses_rows_out_of_order_and_grows_past_its_horizon():
    recorder = Recorder(horizon=1)
    row = {name: 1.0 for name in TRAJECTORY_COLUMNS}
    with pytest.raises(ValueError, match="out of order"):
        recorder.record(1, row)
    for step in range(5):  # room for 2 rows: it must grow twice
        recorder.record(step, {**row, "step": step})
    assert len(recorder) == 5
    assert recorder.columns()["step"].tolist() == [0, 1, 2, 3, 4]
    assert recorder.frame()["step"].dtype.kind == "i"


def test_vocabulary_is_consistent():
    assert CITIZEN_STATES == ("quiet", "protesting", "violent", "jailed", "dead")
    assert [int(s) for s in CitizenState] == list(range(5))
    assert set(OUTCOME_COLOURS) == set(OUTCOMES)
    model = _small_run()
    assert model.citizens.state.dtype == np.int8
    assert {a.state for a in model.agents_by_type[type(model._citizen_agents[0])]} <= set(
        CITIZEN_STATES)
