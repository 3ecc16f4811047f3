"""The mapping from a case's conditions to parameters, pinned with literals.

Three hand-built cases code each of the eight conditions with a different sequence of
levels (low/high/medium, medium/low/high, ...), so a parameter keyed on the wrong
condition, a wrong table entry or a wrong era slope changes at least one literal below.
"""

import numpy as np
import pytest

from civres.experiments.history import mapping
from civres.experiments.history.cases import Case, Conditions, Observed, load_cases
from civres.model import Params


def make_case(case_id, start_year, regime_type, tactics, goal=None, **levels):
    optional = {} if goal is None else {"goal": goal}
    return Case(id=case_id, name=case_id, country="Nowhere", start_year=start_year,
                end_year=start_year + 1, regime_type=regime_type,
                conditions=Conditions(**levels), tactics=tactics,
                observed=Observed(outcome="success", sources=("hand-made",)), **optional)


#                 legitimacy security repression grievance discipline breadth media pressure
# case A (1990)   low        medium   high       medium    low        high    low   high
# case B (2005)   high       low      low        high      medium     medium  low   high
# case C (2020)   medium     high     medium     low       high       low     high  low
#                 armed_groups          goal          regime type
# case A          high                  reform        personalist
# case B          medium                maximalist    single_party
# case C          (left out: low)       (left out: maximalist)  occupation
CASE_A = make_case("a", 1990, "personalist", "concentrated", goal="reform",
                   legitimacy="low", security_cohesion="medium", repression_capacity="high",
                   grievance="medium", discipline="low", breadth="high", media_freedom="low",
                   international_pressure="high", armed_groups="high")
CASE_B = make_case("b", 2005, "single_party", "dispersed", goal="maximalist",
                   legitimacy="high", security_cohesion="low", repression_capacity="low",
                   grievance="high", discipline="medium", breadth="medium", media_freedom="low",
                   international_pressure="high", armed_groups="medium")
CASE_C = make_case("c", 2020, "occupation", "mixed",
                   legitimacy="medium", security_cohesion="high", repression_capacity="medium",
                   grievance="low", discipline="high", breadth="low", media_freedom="high",
                   international_pressure="low")

CENTRAL = {
    "a": {"legitimacy": 0.62,          # low, grievance medium: no shift
          "security_loyalty": 0.8, "repression": 0.95, "discipline": 0.4, "breadth": 0.6,
          "media_freedom": 0.1,
          "jail_capacity": 0.1,        # keyed on repression capacity (high)
          "patronage": 0.2,            # keyed on international pressure (high)
          "dispersed_share": 0.1, "pillar_loyalty": 0.72, "learning": 0.1,
          "responsiveness": 0.1,       # keyed on regime type (personalist)
          "intervention": 0.4,         # keyed on international pressure (high)
          "armed_capacity": 0.35,      # keyed on armed_groups (high)
          "reform_goal": True},        # goal reform
    "b": {"legitimacy": 0.80,          # high 0.84, grievance high: - 0.04
          "security_loyalty": 0.65, "repression": 0.3, "discipline": 0.65, "breadth": 0.3,
          "media_freedom": 0.1, "jail_capacity": 0.02, "patronage": 0.2,
          "dispersed_share": 0.6, "pillar_loyalty": 0.85,
          "learning": 0.35,            # 0.1 + 0.5 * 15 / 30
          "responsiveness": 0.1, "intervention": 0.4,
          "armed_capacity": 0.12,      # armed_groups medium
          "reform_goal": False},       # goal maximalist, coded
    "c": {"legitimacy": 0.78,          # medium 0.74, grievance low: + 0.04
          "security_loyalty": 0.92, "repression": 0.6, "discipline": 0.9, "breadth": 0.1,
          "media_freedom": 0.9, "jail_capacity": 0.05, "patronage": 0.8,
          "dispersed_share": 0.3, "pillar_loyalty": 0.55, "learning": 0.6,
          "responsiveness": 0.05,      # occupation
          "intervention": 0.02,        # international pressure low
          "armed_capacity": 0.03,      # armed_groups left out: the default, low
          "reform_goal": False},       # goal left out: the default, maximalist
}


@pytest.mark.parametrize("case", [CASE_A, CASE_B, CASE_C], ids=lambda c: c.id)
def test_central_values_literal(case):
    got = mapping.case_overrides(case)
    weights = tuple(got.pop(name) for name in mapping.WEIGHT_FIELDS)
    assert weights == mapping.REGIME_PILLAR_WEIGHTS[case.regime_type]
    expected = CENTRAL[case.id]
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name


def test_case_params_are_the_overrides_plus_run_settings():
    p = mapping.case_params(CASE_B, width=20, max_steps=50)
    assert (p.width, p.max_steps, p.legitimacy, p.jail_capacity, p.learning) == pytest.approx(
        (20, 50, 0.80, 0.02, 0.35))
    assert mapping.case_params(CASE_B, legitimacy=0.5).legitimacy == 0.5  # settings win
    assert p.citizen_density == Params().citizen_density                 # the rest: defaults


def test_case_params_draw_within_the_intervals_when_given_a_generator():
    drawn = mapping.case_params(CASE_B, np.random.default_rng(4))
    assert drawn.repression != 0.3 and 0.15 <= drawn.repression <= 0.45
    assert drawn.legitimacy != pytest.approx(0.80)


def test_coding_rng_is_seeded_on_its_own_stream():
    # the master seed on stream 1: reproducible, and apart from the runs' own seeding
    draws = mapping.coding_rng(5).random(3)
    assert draws.tolist() == np.random.default_rng([5, 1]).random(3).tolist()
    assert draws.tolist() != np.random.default_rng(5).random(3).tolist()


def test_level_tables_literal():
    assert mapping.LEVEL_VALUES == {
        "legitimacy": ("legitimacy", {"low": 0.62, "medium": 0.74, "high": 0.84}),
        "security_cohesion": ("security_loyalty", {"low": 0.65, "medium": 0.8, "high": 0.92}),
        "repression_capacity": ("repression", {"low": 0.3, "medium": 0.6, "high": 0.95}),
        "discipline": ("discipline", {"low": 0.4, "medium": 0.65, "high": 0.9}),
        "breadth": ("breadth", {"low": 0.1, "medium": 0.3, "high": 0.6}),
        "media_freedom": ("media_freedom", {"low": 0.1, "medium": 0.5, "high": 0.9}),
    }
    assert mapping.GRIEVANCE_SHIFT == {"low": 0.04, "medium": 0.0, "high": -0.04}
    assert mapping.JAIL_CAPACITY == {"low": 0.02, "medium": 0.05, "high": 0.1}
    assert mapping.PATRONAGE == {"low": 0.8, "medium": 0.5, "high": 0.2}
    assert mapping.TACTICS_SHARE == {"concentrated": 0.1, "mixed": 0.3, "dispersed": 0.6}
    assert mapping.PILLAR_LOYALTY == {
        "single_party": 0.85, "monarchy": 0.8, "military": 0.8, "personalist": 0.72,
        "hybrid": 0.7, "democracy": 0.65, "occupation": 0.55}
    # added by the re-specification (issue 9; docs/ODD.md, "From cases to parameters")
    assert mapping.RESPONSIVENESS == {
        "democracy": 0.8, "hybrid": 0.4, "monarchy": 0.15, "single_party": 0.1,
        "personalist": 0.1, "military": 0.1, "occupation": 0.05}
    assert mapping.INTERVENTION == {"low": 0.02, "medium": 0.15, "high": 0.4}
    assert mapping.ARMED_CAPACITY == {"low": 0.03, "medium": 0.12, "high": 0.35}


@pytest.mark.parametrize("regime_type, responsiveness, pillar_loyalty", [
    # responsiveness and pillar loyalty are both keyed on the regime type
    ("democracy", 0.8, 0.65), ("hybrid", 0.4, 0.7), ("monarchy", 0.15, 0.8),
    ("military", 0.1, 0.8), ("occupation", 0.05, 0.55),
])
def test_regime_type_sets_responsiveness(regime_type, responsiveness, pillar_loyalty):
    case = make_case("t", 2000, regime_type, "mixed", **vars(CASE_C.conditions))
    got = mapping.case_overrides(case)
    assert (got["responsiveness"], got["pillar_loyalty"]) == (responsiveness, pillar_loyalty)


def test_regime_types_rest_on_their_own_pillars():
    table = mapping.REGIME_PILLAR_WEIGHTS
    assert set(table) == {"personalist", "military", "single_party", "monarchy", "hybrid",
                          "democracy", "occupation"}
    assert table["democracy"] == (0.15, 0.05, 0.30, 0.25, 0.05, 0.20)
    assert table["military"] == (0.20, 0.50, 0.10, 0.10, 0.05, 0.05)
    assert table["single_party"] == (0.20, 0.20, 0.30, 0.10, 0.05, 0.15)
    assert all(sum(row) == pytest.approx(1.0) for row in table.values())
    # the security pillars' share orders the regime types as the sources do
    security = {kind: round(row[0] + row[1], 2) for kind, row in table.items()}
    assert security == {"occupation": 0.8, "military": 0.7, "personalist": 0.65,
                        "monarchy": 0.5, "single_party": 0.4, "hybrid": 0.35,
                        "democracy": 0.2}
    assert mapping.WEIGHT_FIELDS == ("weight_police", "weight_military",
                                     "weight_civil_service", "weight_business",
                                     "weight_clergy", "weight_media")
    case = make_case("t", 2000, "single_party", "mixed", **vars(CASE_C.conditions))
    assert mapping.case_params(case).pillar_weights() == table["single_party"]
    # switched off, every regime rests on Params' defaults; a setting given still wins
    assert mapping.case_params(case, regime_pillars=False).pillar_weights() == \
        Params().pillar_weights()
    assert mapping.case_params(case, weight_media=0.9).weight_media == 0.9


@pytest.mark.parametrize("pressure, armed, intervention, capacity, patronage", [
    # intervention and patronage follow international pressure; arms follow armed_groups
    ("low", "high", 0.02, 0.35, 0.8),
    ("medium", "low", 0.15, 0.03, 0.5),
    ("high", "medium", 0.4, 0.12, 0.2),
])
def test_pressure_sets_intervention_and_armed_groups_set_arms(pressure, armed, intervention,
                                                              capacity, patronage):
    conditions = {**vars(CASE_C.conditions), "international_pressure": pressure,
                  "armed_groups": armed}
    got = mapping.case_overrides(make_case("t", 2000, "hybrid", "mixed", **conditions))
    assert (got["intervention"], got["armed_capacity"], got["patronage"]) == (
        intervention, capacity, patronage)


@pytest.mark.parametrize("year, learning", [
    (1960, 0.1),            # clamped below
    (1989, 0.1),
    (1990, 0.1),            # the slope starts here
    (2000, 0.1 + 0.5 / 3),  # 0.1 + 0.5 * 10 / 30
    (2005, 0.35),
    (2020, 0.6),            # ... and ends here
    (2030, 0.6),            # clamped above
])
def test_learning_for_year(year, learning):
    got = mapping.learning_for_year(year)
    assert type(got) is float and got == pytest.approx(learning, abs=1e-12)


@pytest.mark.parametrize("table, level, interval", [
    # legitimacy (0.62, 0.74, 0.84): halfway to each neighbour
    ("legitimacy", "low", (0.56, 0.68)),      # the outer level mirrors its one neighbour
    ("legitimacy", "medium", (0.68, 0.79)),
    ("legitimacy", "high", (0.79, 0.89)),
    # repression (0.3, 0.6, 0.95): uneven steps give an uneven middle interval
    ("repression_capacity", "low", (0.15, 0.45)),
    ("repression_capacity", "medium", (0.45, 0.775)),
    ("repression_capacity", "high", (0.775, 1.125)),
])
def test_level_interval(table, level, interval):
    values = mapping.LEVEL_VALUES[table][1]
    assert mapping.level_interval(values, level) == pytest.approx(interval, abs=1e-12)


def test_level_interval_on_an_uneven_table():
    table = {"low": 0.0, "medium": 0.2, "high": 1.0}
    assert mapping.level_interval(table, "low") == pytest.approx((-0.1, 0.1))
    assert mapping.level_interval(table, "medium") == pytest.approx((0.1, 0.6))
    assert mapping.level_interval(table, "high") == pytest.approx((0.6, 1.4))


@pytest.mark.parametrize("case", [CASE_A, CASE_B, CASE_C], ids=lambda c: c.id)
def test_coding_uncertainty_draws_within_each_interval(case):
    rng = np.random.default_rng(0)
    draws = [mapping.case_overrides(case, rng) for _ in range(200)]
    central = CENTRAL[case.id]
    shift = mapping.GRIEVANCE_SHIFT[case.conditions.grievance]
    for condition, (param, table) in mapping.LEVEL_VALUES.items():
        lo, hi = mapping.level_interval(table, getattr(case.conditions, condition))
        values = np.array([d[param] for d in draws]) - (shift if param == "legitimacy" else 0)
        lo, hi = max(lo, 0.0), min(hi, 1.0)  # clipped to the parameter's range
        assert values.min() >= lo - 1e-12 and values.max() <= hi + 1e-12, param
        # the draws fill the interval, not a point in it
        assert values.max() - values.min() > 0.9 * (hi - lo), param
    for name in ("jail_capacity", "patronage", "dispersed_share", "pillar_loyalty", "learning",
                 "responsiveness", "intervention", "armed_capacity", "reform_goal"):
        assert {d[name] for d in draws} == {central[name]}, name  # not level-coded: fixed


def test_drawn_values_are_clipped_to_the_unit_interval():
    # high repression capacity stands for (0.775, 1.125): draws above 1 are clipped to 1
    rng = np.random.default_rng(1)
    drawn = np.array([mapping.case_overrides(CASE_A, rng)["repression"] for _ in range(100)])
    assert drawn.max() == 1.0 and (drawn == 1.0).sum() > 10 and drawn.min() >= 0.775


def test_legitimacy_after_the_grievance_shift_stays_in_the_unit_interval(monkeypatch):
    extreme = {**mapping.LEVEL_VALUES, "legitimacy": ("legitimacy", {
        "low": 0.02, "medium": 0.5, "high": 0.98})}
    monkeypatch.setattr(mapping, "LEVEL_VALUES", extreme)
    low = make_case("low", 2000, "hybrid", "mixed", **{
        **vars(CASE_A.conditions), "legitimacy": "low", "grievance": "high"})
    high = make_case("high", 2000, "hybrid", "mixed", **{
        **vars(CASE_A.conditions), "legitimacy": "high", "grievance": "low"})
    assert mapping.case_overrides(low)["legitimacy"] == 0.0    # 0.02 - 0.04, clipped
    assert mapping.case_overrides(high)["legitimacy"] == 1.0   # 0.98 + 0.04, clipped


def test_a_catalogue_case_as_an_app_preset():
    presets = mapping.case_presets()
    assert list(presets) == [f"case: {case.id}" for case in load_cases()]
    # India 1947 (seeds/cases.toml): occupation, 1919, dispersed; legitimacy low, security
    # high, repression high, grievance high, discipline medium, breadth medium, media
    # medium, international pressure low; armed groups low, goal reform (the 1919 demand,
    # repeal of the Rowlatt Acts: coding audit of 2026-11-27)
    india = presets["case: india-1947"]
    assert india == pytest.approx({
        "legitimacy": 0.58, "security_loyalty": 0.92, "repression": 0.95, "discipline": 0.65,
        "breadth": 0.3, "media_freedom": 0.5, "jail_capacity": 0.1, "patronage": 0.8,
        "dispersed_share": 0.6, "pillar_loyalty": 0.55, "learning": 0.1,
        "responsiveness": 0.05, "intervention": 0.02, "armed_capacity": 0.03,
        "reform_goal": True,
        # an occupier rests on its own forces
        "weight_police": 0.35, "weight_military": 0.45, "weight_civil_service": 0.1,
        "weight_business": 0.05, "weight_clergy": 0.0, "weight_media": 0.05})


def test_a_reform_case_from_the_catalogue_maps_to_a_reform_goal():
    # usa-civil-rights-1965 (seeds/cases.toml): democracy, goal reform, international
    # pressure medium, armed groups low
    values = mapping.case_presets()["case: usa-civil-rights-1965"]
    assert (values["reform_goal"], values["responsiveness"], values["intervention"],
            values["armed_capacity"]) == (True, 0.8, 0.15, 0.03)


def test_mapped_fields_are_what_every_cases_coding_sets():
    # the same fields for every case: the first case stands for all
    for case in load_cases():
        assert set(mapping.case_overrides(case)) == mapping.mapped_fields()
    assert {"legitimacy", "repression", "reform_goal", "weight_police"} <= mapping.mapped_fields()


def test_calibratable_is_every_float_field_the_coding_leaves_alone_in_declared_order():
    # by hand: Params' float fields in declaration order, less what a case sets
    # (legitimacy, repression, ...), less integers (max_steps) and switches
    assert mapping.calibratable() == (
        "citizen_density", "security_density", "represented_share", "active_threshold",
        "arrest_constant", "threshold_spread", "opposition_signal", "fatigue",
        "legitimacy_spread", "social_pull", "dispersed_safety", "target_civil_service",
        "target_business", "target_clergy", "target_media", "outrage", "anger_memory",
        "defect_below", "moral_cost", "peer_influence", "threat_cohesion", "erosion",
        "backfire")
