"""The declared run summary, the recorder and the shared vocabulary."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from civres.model import (
    RUN_COLUMNS,
    Citizen,
    CivilResistanceModel,
    Params,
    RunSummary,
    Thresholds,
)
from civres.model import summary as summary_module
from civres.model.outcome import Decision
from civres.model.recorder import TRAJECTORY_COLUMNS, BatchRecorder, Recorder
from civres.model.summary import RUN_COLUMN_NAMES, outcome_words, summarise
from civres.model.vocabulary import (
    CITIZEN_STATES,
    PILLAR_NAMES,
    POLICE,
    CitizenState,
    Outcome,
    PillarName,
)


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
        "pillar_loyalty", "regime_support", "legitimacy", "arrests", "killings", "regime_fell",
        # added by the re-specification (issue 9): fields are added, none removed
        "fell_step", "demand_granted", "intervened", "battle_deaths", "duration",
        # issue 20: what the outcome's word alone would hide
        "formed", "violent_flank"]
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
    batch = BatchRecorder(size=2, horizon=1)
    rows = np.ones((2, len(TRAJECTORY_COLUMNS)))
    with pytest.raises(ValueError, match="out of order"):
        batch.record(1, rows)
    step_column = TRAJECTORY_COLUMNS.index("step")
    for step in range(5):  # room for 2 rows: it must grow twice
        rows[:, step_column] = step
        rows[1, 1] = 10 + step  # the second replicate's participation
        batch.record(step, rows.copy())
    recorder = Recorder(batch, 1)   # one replicate's view
    assert len(recorder) == 5
    assert recorder.columns()["step"].tolist() == [0, 1, 2, 3, 4]
    assert recorder.columns()["participation"].tolist() == [10, 11, 12, 13, 14]
    assert Recorder(batch, 0).columns()["participation"].tolist() == [1.0] * 5
    assert batch.last("participation").tolist() == [1.0, 14.0]
    assert recorder.frame()["step"].dtype.kind == "i"


def test_vocabulary_is_consistent():
    assert CITIZEN_STATES == ("quiet", "protesting", "violent", "jailed", "dead")
    assert [int(s) for s in CitizenState] == list(range(5))
    assert len({o.colour for o in Outcome}) == len(Outcome) == 4
    assert all(o.description and o.colour.startswith("#") for o in Outcome)
    # the pillars' weights make up the regime's support; the police pillar is the officers
    assert sum(p.weight for p in PillarName) == pytest.approx(1.0)
    assert PILLAR_NAMES == tuple(PillarName) and list(PillarName)[POLICE] == "police"
    assert len({p.colour for p in PillarName}) == len(PillarName) == 6
    model = _small_run()
    assert model.citizens.state.dtype == np.int8
    assert {a.state for a in model.agents_by_type[Citizen]} <= set(
        CITIZEN_STATES)


# ---------------------------------------------------------------- summarise, by hand
def _regime(legitimacy=0.42):
    # what the summary reads of the regime at the end (a replicate's row of RegimeState)
    return SimpleNamespace(legitimacy=legitimacy,
                           pillar_loyalty=np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4]))


def _columns(support=(0.8, 0.6, 0.5, 0.55, 0.7), **changes):
    n = len(support)
    columns = {"step": np.arange(n),
               "participation": np.resize([0.0, 0.1, 0.3, 0.2, 0.1], n),
               "participation_pct": np.resize([0.0, 1.0, 3.0, 2.0, 1.0], n),
               "violent_share": np.resize([0.0, 0.0, 0.05, 0.1, 0.0], n),
               "regime_support": np.array(support, dtype=float),
               # cumulative counters: the summary reads the last row
               "arrests": np.resize([0, 3, 5, 7, 7], n).astype(float),
               "killings": np.resize([0, 0, 1, 2, 2], n).astype(float),
               "battle_deaths": np.resize([0, 0, 0, 1, 3], n).astype(float),
               # flags: set at some row
               "demand_granted": np.resize([0, 0, 0, 1, 1], n).astype(float),
               "intervened": np.resize([0, 0, 0, 0, 1], n).astype(float)}
    columns.update({k: np.asarray(v, dtype=float) for k, v in changes.items()})
    return columns


DEFAULT = Thresholds()
SUCCESS_AT_2 = Decision("success", 2)


def _summarise(columns=None, thresholds=DEFAULT, decision=SUCCESS_AT_2):
    # summarise reads arrests and killings from the columns since issue 9 (it took them
    # as arguments before)
    return summarise(_columns() if columns is None else columns, decision, _regime(), 0.25,
                     thresholds)


def test_summarise_reads_each_field_from_its_source():
    s = _summarise()
    assert s.to_dict() == {
        "outcome": "success", "decided_step": 2,   # from the decision
        "steps": 4,                                # five rows: steps 0..4
        "peak_participation": 0.3, "peak_participation_pct": 3.0, "peak_violent_share": 0.1,
        "peak_violent_fraction": 0.5,              # 0.1 / 0.2 at step 3 (0.05 / 0.3 at 2)
        "security_defected_share": 0.25,
        "pillar_loyalty": {"police": 0.9, "military": 0.8, "civil_service": 0.7,
                           "business": 0.6, "clergy": 0.5, "media": 0.4},
        "regime_support": 0.7,                     # the last row, not the lowest
        "legitimacy": 0.42,                        # the regime's, at the end
        "arrests": 7, "killings": 2,               # the counters' last row
        "regime_fell": True,                       # 0.5 at step 2, then recovered
        "fell_step": 2,                            # the first row at or below 0.5
        "demand_granted": True, "intervened": True,  # set at some row
        "battle_deaths": 3,                        # the counter's last row
        "duration": 1,                             # first mobilised (0.1 > 0.01) at 1, won at 2
        "formed": True,                            # some row above the quiet share
        "violent_flank": True,                     # a success; its flank 0.5 >= 0.1
    }
    assert type(s.arrests) is int and type(s.killings) is int
    assert type(s.battle_deaths) is int and type(s.fell_step) is int
    assert type(s.duration) is int
    assert type(s.regime_support) is float and type(s.regime_fell) is bool
    assert type(s.demand_granted) is bool and type(s.intervened) is bool


def test_a_campaign_nobody_joined_never_formed_and_says_so():
    quiet = _columns(participation=[0.0, 0.01, 0.005, 0.0, 0.01],
                     violent_share=[0.0] * 5)
    s = _summarise(quiet, decision=Decision("suppressed", 4))
    assert (s.formed, s.duration, s.violent_flank) == (False, 0, False)
    assert outcome_words(s) == ("suppressed: the campaign never formed (participation "
                                "never rose above 1% of citizens)")
    assert _summarise().formed is True


@pytest.mark.parametrize("violent, outcome, flank", [
    ([0.0, 0.0, 0.05, 0.1, 0.0], "success", True),     # half of participants at step 3
    ([0.0, 0.0, 0.0, 0.019, 0.0], "success", False),   # under violent_min: no flank counted
    ([0.0, 0.0, 0.0, 0.021, 0.0], "stalled", True),    # 0.021 / 0.2: just over the 0.1 line
    ([0.0, 0.0, 0.0, 0.019, 0.0], "stalled", False),
    ([0.0, 0.0, 0.05, 0.1, 0.0], "violent", False),    # a violent campaign is no flank
])
def test_a_violent_flank_is_a_tenth_of_participants_beside_a_campaign_not_violent(
        violent, outcome, flank):
    s = _summarise(_columns(violent_share=violent), decision=Decision(outcome, 4))
    assert s.violent_flank is flank
    words = outcome_words(s)
    assert words.startswith(outcome)
    assert ("beside a violent flank" in words) is flank
    if flank and outcome == "success":
        assert words == "success, beside a violent flank (up to 50% of participants violent; " \
                        "2 killed)"


def test_counters_are_read_from_the_last_row_not_the_largest():
    # the columns are cumulative in a run; a decreasing column tells the two apart
    s = _summarise(_columns(arrests=[0, 9, 9, 9, 4], killings=[0, 5, 5, 5, 1],
                            battle_deaths=[0, 8, 8, 8, 6]))
    assert (s.arrests, s.killings, s.battle_deaths) == (4, 1, 6)


@pytest.mark.parametrize("granted, intervened, expected", [
    ([0, 0, 0, 0, 0], [0, 0, 0, 0, 0], (False, False)),
    ([0, 1, 0, 0, 0], [0, 0, 0, 0, 0], (True, False)),   # at one row only: still granted
    ([0, 0, 0, 0, 0], [0, 0, 0, 0, 1], (False, True)),   # at the last row
    ([1, 1, 1, 1, 1], [1, 0, 0, 0, 0], (True, True)),    # at the first row
])
def test_flags_are_set_by_any_row(granted, intervened, expected):
    s = _summarise(_columns(demand_granted=granted, intervened=intervened))
    assert (s.demand_granted, s.intervened) == expected


@pytest.mark.parametrize("support, collapse, fell_step", [
    ((0.8, 0.6, 0.5, 0.55, 0.7), 0.5, 2),      # at the threshold, then recovered
    ((0.8, 0.4, 0.5, 0.3, 0.7), 0.5, 1),       # the first of several rows
    ((0.8, 0.6, 0.5001, 0.55, 0.7), 0.5, None),  # just above throughout: never
    ((0.5, 0.6, 0.6, 0.6, 0.6), 0.5, 0),       # at the start
    ((0.8, 0.6, 0.5, 0.55, 0.4), 0.45, 4),     # the thresholds passed in decide
])
def test_fell_step_is_the_first_row_at_or_below_collapse(support, collapse, fell_step):
    s = _summarise(_columns(support), Thresholds(collapse=collapse))
    assert s.fell_step == fell_step
    assert s.regime_fell is (fell_step is not None)


# participation rows 0..4; "mobilised" means above Thresholds.quiet (0.01)
@pytest.mark.parametrize("participation, decision, duration", [
    # success or violent: from the first mobilised row to the decision's row
    ([0.0, 0.1, 0.3, 0.2, 0.1], Decision("success", 2), 1),
    ([0.0, 0.1, 0.3, 0.2, 0.1], Decision("violent", 4), 3),
    ([0.2, 0.1, 0.3, 0.2, 0.1], Decision("success", 3), 3),      # mobilised from row 0
    ([0.0, 0.0, 0.0, 0.2, 0.1], Decision("success", 1), 0),      # decided before: not < 0
    ([0.0, 0.01, 0.011, 0.2, 0.1], Decision("success", 4), 2),   # 0.01 is not above quiet
    # stalled, suppressed, undecided: first to last mobilised row, both counted
    ([0.0, 0.1, 0.3, 0.2, 0.1], Decision("stalled", 4), 4),
    ([0.0, 0.1, 0.3, 0.0, 0.0], Decision("suppressed", 4), 2),
    ([0.0, 0.1, 0.0, 0.0, 0.1], Decision(None, None), 4),        # a gap does not shorten it
    ([0.0, 0.0, 0.3, 0.0, 0.0], Decision("suppressed", 4), 1),   # one week
    # never mobilised: 0 whatever the outcome
    ([0.0, 0.01, 0.005, 0.0, 0.01], Decision("stalled", 4), 0),
    ([0.0, 0.01, 0.005, 0.0, 0.01], Decision("success", 3), 0),
])
def test_duration(participation, decision, duration):
    s = _summarise(_columns(participation=participation), decision=decision)
    assert s.duration == duration


def test_duration_uses_the_quiet_threshold_passed_in():
    columns = _columns(participation=[0.0, 0.05, 0.3, 0.05, 0.0])
    assert _summarise(columns, Thresholds(quiet=0.1), Decision("stalled", 4)).duration == 1
    assert _summarise(columns, Thresholds(quiet=0.01), Decision("stalled", 4)).duration == 3


@pytest.mark.parametrize("support, collapse, fell", [
    ((0.8, 0.5, 0.7), 0.5, True),       # at the threshold at one step, then recovered
    ((0.8, 0.5001, 0.7), 0.5, False),   # just above it throughout
    ((0.8, 0.6, 0.4), 0.5, True),       # at the end
    ((0.3, 0.9, 0.9), 0.5, True),       # at the start
    ((0.8, 0.4, 0.7), 0.3, False),      # the thresholds passed in decide
    ((0.8, 0.3, 0.9), 0.3, True),
])
def test_regime_fell_at_any_step(support, collapse, fell):
    s = _summarise(_columns(support), Thresholds(collapse=collapse))
    assert s.regime_fell is fell
    assert s.regime_support == support[-1]


def test_summarise_uses_the_thresholds_for_the_violent_fraction():
    # with violent_min 0.06 only step 3 (0.1) counts; with 0.11 none does
    assert _summarise(thresholds=Thresholds(violent_min=0.06)).peak_violent_fraction == 0.5
    assert _summarise(thresholds=Thresholds(violent_min=0.11)).peak_violent_fraction == 0.0


def test_summarise_keeps_an_undecided_outcome():
    s = _summarise(decision=Decision(None, None))
    assert s.outcome is None and s.decided_step is None


# ---------------------------------------------------------------- the declared columns
EXPECTED_COLUMNS = [
    # (name, dtype, nullable)
    ("outcome", "string", True),
    ("decided_step", "int64", True),
    ("steps", "int64", False),
    ("peak_participation", "float64", False),
    ("peak_participation_pct", "float64", False),
    ("peak_violent_share", "float64", False),
    ("peak_violent_fraction", "float64", False),
    ("security_defected_share", "float64", False),
    ("pillar_police", "float64", False),
    ("pillar_military", "float64", False),
    ("pillar_civil_service", "float64", False),
    ("pillar_business", "float64", False),
    ("pillar_clergy", "float64", False),
    ("pillar_media", "float64", False),
    ("regime_support", "float64", False),
    ("final_legitimacy", "float64", False),
    ("arrests", "int64", False),
    ("killings", "int64", False),
    ("regime_fell", "bool", False),
    # added by the re-specification (issue 9)
    ("fell_step", "int64", True),
    ("demand_granted", "bool", False),
    ("intervened", "bool", False),
    ("battle_deaths", "int64", False),
    ("duration", "int64", False), ("formed", "bool", False), ("violent_flank", "bool", False),
]


def test_run_columns_are_declared_literally():
    for columns in (RUN_COLUMNS, summary_module._columns()):
        assert [(c.name, c.dtype, c.nullable) for c in columns] == EXPECTED_COLUMNS
    assert RUN_COLUMN_NAMES == tuple(name for name, _, _ in EXPECTED_COLUMNS)


def test_run_columns_carry_the_fields_meanings():
    meanings = {f.name: f.metadata["meaning"] for f in dataclasses.fields(RunSummary)}
    assert meanings["regime_fell"] == "regime support reached the collapse threshold at some step"
    assert summary_module._field("a meaning").metadata == {"meaning": "a meaning"}
    for column in summary_module._columns():
        if column.name.startswith("pillar_"):
            pillar = column.name.removeprefix("pillar_")
            assert column.meaning == f"loyalty of the {pillar} pillar at the end"
        else:
            name = {"final_legitimacy": "legitimacy"}.get(column.name, column.name)
            assert column.meaning == meanings[name]


def test_row_flattens_pillars_and_renames_the_final_legitimacy():
    row = _summarise().row()
    assert row["pillar_business"] == 0.6 and row["final_legitimacy"] == 0.42
    assert row["regime_support"] == 0.7 and row["outcome"] == "success"


def test_to_dict_hands_out_a_copy_of_the_pillars():
    s = _summarise()
    s.to_dict()["pillar_loyalty"]["police"] = 0.0
    assert s.pillar_loyalty["police"] == 0.9


def test_refusals_list_what_is_allowed():
    values = _summarise().to_dict()
    with pytest.raises(ValueError, match="lacks arrests, killings$"):
        RunSummary.from_dict({k: v for k, v in values.items() if k not in ("arrests", "killings")})
    with pytest.raises(ValueError, match="'won' is not one of success, stalled, suppressed, "
                                         "violent$"):
        RunSummary.from_dict({**values, "outcome": "won"})
    with pytest.raises(ValueError, match="must name police, military, civil_service, business, "
                                         "clergy, media in order$"):
        RunSummary.from_dict({**values, "pillar_loyalty": {"police": 1.0}})


def test_a_summary_holds_an_outcome_member_and_its_plain_forms_the_word():
    plain = _small_run().run_summary().to_dict()
    for word in ("success", "violent"):
        summary = RunSummary.from_dict({**plain, "outcome": word})
        assert type(summary.outcome) is Outcome and summary.outcome is Outcome(word)
        assert type(summary.to_dict()["outcome"]) is str and summary.row()["outcome"] == word
    assert RunSummary.from_dict({**plain, "outcome": None}).outcome is None
    with pytest.raises(ValueError, match="is not one of success, stalled, suppressed, violent"):
        RunSummary.from_dict({**plain, "outcome": "won"})


def test_outcome_words_plain_undecided_and_with_the_callers_thresholds():
    from civres.model.summary import outcome_qualifier
    plain = _summarise(_columns(violent_share=[0.0] * 5))
    assert outcome_words(plain) == "success" and outcome_qualifier(plain) == ""
    undecided = _summarise(decision=Decision(None, None))
    assert outcome_words(undecided) == "undecided" and outcome_qualifier(undecided) == ""
    quiet = _summarise(_columns(participation=[0.0, 0.01, 0.005, 0.0, 0.01],
                                violent_share=[0.0] * 5), decision=Decision("suppressed", 4))
    # the qualifier quotes the thresholds it is given, not the defaults
    words = outcome_words(quiet, Thresholds(quiet=0.02))
    assert words == ("suppressed: the campaign never formed (participation never rose "
                     "above 2% of citizens)")
