"""Built-in demo scenarios: a fitted model with reference and current data and a known story.

Every scenario is generated from a fixed seed, so two calls give identical data and
an identical model. Generation takes a second or two; callers cache the result.

- ``credit`` (binary, the default): credit-default risk (target ``default``: 0 "repaid", 1 "default").
  In the current data incomes have fallen by about a quarter and a new employment type,
  ``gig-economy``, appears.
- ``energy`` (regression): daily energy use of buildings. The current period is a
  heat wave (outdoor temperature about +7 °C) and one site reports floor area in
  square feet instead of square metres.
- ``machines`` (multiclass): machine condition (normal / wear / failure: the labels are the names) from sensors.
  After a firmware update the vibration sensors of model ``M2`` read 30 % high, and
  more machines are wearing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from robustness.errors import ConfigError
from robustness.scenarios import CLASS_NAMES, DEFAULT_SCENARIO, SCENARIOS
from robustness.schema import ColumnRoles

SEED = 20240611


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    task: str  # "binary" | "multiclass" | "regression"
    story: str
    model: Pipeline
    reference: pd.DataFrame
    current: pd.DataFrame
    roles: ColumnRoles
    features: tuple[str, ...]
    class_names: dict[str, str] = field(default_factory=dict)  # class as text -> name; empty: the values are names

    def manifest(self) -> dict:
        """What ``scenario.json`` holds: column roles, the story and the classes' names."""
        return {
            "name": self.name,
            "title": self.title,
            "task": self.task,
            "story": self.story,
            **self.roles.to_dict(),
            "features": list(self.features),
            **({"class_names": dict(self.class_names)} if self.class_names else {}),
            "seed": SEED,
        }


def _pipeline(numeric: list[str], categorical: list[str], estimator) -> Pipeline:
    pre = ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="median"), numeric),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical,
            ),
        ]
    )
    return Pipeline([("preprocess", pre), ("model", estimator)])


def _with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(float) if values.dtype.kind in "iuf" else values.astype(object)
    mask = rng.random(len(values)) < share
    values[mask] = np.nan
    return values


def _dates(rng: np.random.Generator, start: str, days: int, n: int) -> pd.DatetimeIndex:
    offsets = np.sort(rng.integers(0, days * 24 * 3600, n))
    return pd.Timestamp(start) + pd.to_timedelta(offsets, unit="s")


# --------------------------------------------------------------------------- credit
_CREDIT_NUM = [
    "age",
    "income",
    "loan_amount",
    "loan_term_months",
    "credit_history_years",
    "num_open_accounts",
    "debt_to_income",
]
_CREDIT_CAT = ["employment_type", "region", "home_ownership", "has_cosigner"]


def _credit_frame(rng: np.random.Generator, n: int, *, current: bool) -> pd.DataFrame:
    age = np.clip(rng.normal(41, 12, n), 18, 85).round().astype(int)
    income = rng.lognormal(np.log(52_000), 0.45, n)
    if current:
        income = income * 0.74  # the shift: incomes fell by about a quarter
    employment = ["salaried", "self-employed", "contractor", "unemployed"]
    probs = [0.58, 0.18, 0.15, 0.09]
    if current:
        employment = employment + ["gig-economy"]  # a category the model never saw
        probs = [0.50, 0.16, 0.13, 0.09, 0.12]
    emp = rng.choice(employment, n, p=probs)
    income = np.where(emp == "unemployed", income * 0.35, income)
    region = rng.choice(["North", "South", "East", "West"], n, p=[0.3, 0.25, 0.25, 0.2])
    home = rng.choice(["rent", "own", "mortgage"], n, p=[0.4, 0.2, 0.4])
    loan = np.clip(rng.lognormal(np.log(14_000), 0.6, n), 1_000, 120_000).round(-2)
    term = rng.choice([12, 24, 36, 48, 60], n, p=[0.1, 0.2, 0.35, 0.2, 0.15])
    history = np.clip(age - 18 - rng.exponential(4, n), 0, None).round(1)
    accounts = rng.poisson(4, n)
    dti = np.clip(rng.beta(2, 5, n) + loan / (income + 1) * 0.15, 0, 1.5).round(3)
    cosigner = rng.random(n) < 0.12
    logit = (
        -2.2
        + 1.1 * (np.log(loan) - np.log(income + 1) + 1.3)
        + 2.4 * (dti - 0.3)
        - 0.035 * (history - 10)
        + 0.08 * (accounts - 4)
        + np.select(
            [emp == "unemployed", emp == "contractor", emp == "self-employed", emp == "gig-economy"],
            [1.2, 0.4, 0.3, 0.9],
            0.0,
        )
        + np.where(home == "own", -0.4, 0.0)
        - 0.6 * cosigner
    )
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    start = "2024-07-01" if current else "2024-01-01"
    prefix = 900_000 if current else 100_000
    return pd.DataFrame(
        {
            "application_id": [f"APP-{prefix + i:07d}" for i in range(n)],
            "application_date": _dates(rng, start, 181, n),
            "age": age,
            "income": _with_missing(rng, income.round(-1), 0.06),
            "loan_amount": loan,
            "loan_term_months": term,
            "credit_history_years": _with_missing(rng, history, 0.04),
            "num_open_accounts": accounts,
            "debt_to_income": dti,
            "employment_type": emp,
            "region": region,
            "home_ownership": _with_missing(rng, home, 0.03),
            "has_cosigner": np.where(cosigner, "yes", "no"),
            "default": default,
        }
    )


# --------------------------------------------------------------------------- energy
_ENERGY_NUM = ["outdoor_temp_c", "humidity_pct", "floor_area_m2", "occupancy_share", "building_age_years"]
_ENERGY_CAT = ["building_type", "insulation_rating", "is_weekend"]


def _energy_frame(rng: np.random.Generator, n: int, *, current: bool) -> pd.DataFrame:
    temp = rng.normal(22.5 if current else 15.0, 6.0 if current else 7.0, n).round(1)
    humidity = rng.uniform(30, 90, n).round(1)
    btype = rng.choice(["office", "retail", "warehouse", "school"], n, p=[0.4, 0.25, 0.2, 0.15])
    area = np.clip(rng.lognormal(np.log(1500), 0.5, n), 150, 20_000).round()
    weekend = rng.random(n) < 2 / 7
    occupancy = np.clip(rng.beta(5, 2, n) * np.where(weekend, 0.35, 1.0), 0, 1).round(3)
    age = rng.integers(1, 80, n)
    insulation = rng.choice(list("ABCDE"), n, p=[0.1, 0.25, 0.35, 0.2, 0.1])
    base = pd.Series(btype).map({"office": 0.22, "retail": 0.30, "warehouse": 0.10, "school": 0.18}).to_numpy()
    ins = pd.Series(insulation).map({"A": 0.7, "B": 0.85, "C": 1.0, "D": 1.15, "E": 1.35}).to_numpy()
    load = base * (0.5 + occupancy) + ins * (0.012 * np.maximum(temp - 18, 0) + 0.010 * np.maximum(12 - temp, 0))
    energy = area * load * (1 + 0.002 * age) + rng.normal(0, 25, n)
    reported_area = area.copy()
    if current:
        # one site's feed reports square feet instead of square metres
        wrong_units = rng.random(n) < 0.15
        reported_area = np.where(wrong_units, (area * 10.7639).round(), area)
    start = "2025-07-01" if current else "2025-01-01"
    prefix = 500_000 if current else 0
    return pd.DataFrame(
        {
            "reading_id": np.arange(prefix + 1, prefix + n + 1),
            "date": _dates(rng, start, 60 if current else 181, n).normalize(),
            "outdoor_temp_c": temp,
            "humidity_pct": _with_missing(rng, humidity, 0.03),
            "floor_area_m2": reported_area,
            "occupancy_share": occupancy,
            "building_age_years": age,
            "building_type": btype,
            "insulation_rating": _with_missing(rng, insulation, 0.05),
            "is_weekend": weekend,
            "energy_kwh": energy.round(1),
        }
    )


# --------------------------------------------------------------------------- machines
_MACH_NUM = ["vibration_mm_s", "bearing_temp_c", "pressure_bar", "rpm", "operating_hours"]
_MACH_CAT = ["machine_model", "lubricant"]
_CONDITIONS = ["normal", "wear", "failure"]


def _machines_frame(rng: np.random.Generator, n: int, *, current: bool) -> pd.DataFrame:
    mix = [0.55, 0.33, 0.12] if current else [0.7, 0.22, 0.08]
    cond = rng.choice(_CONDITIONS, n, p=mix)
    idx = pd.Series(cond).map({"normal": 0, "wear": 1, "failure": 2}).to_numpy()
    model_ = rng.choice(["M1", "M2", "M3"], n, p=[0.4, 0.35, 0.25])
    vib = rng.normal(np.array([2.5, 4.2, 6.5])[idx], 0.9)
    temp = rng.normal(np.array([55, 63, 74])[idx], 5)
    pressure = rng.normal(np.array([6.0, 5.8, 5.1])[idx], 0.35)
    rpm = rng.normal(1450, 40, n) - np.array([0, 10, 45])[idx]
    hours = rng.uniform(0, 20_000, n) + np.array([0, 6000, 9000])[idx]
    lube = rng.choice(["synthetic", "mineral"], n, p=[0.6, 0.4])
    if current:
        vib = np.where(model_ == "M2", vib * 1.3, vib)  # recalibrated sensors read high
    start = "2025-03-01" if current else "2024-09-01"
    prefix = 70_000 if current else 10_000
    return pd.DataFrame(
        {
            "reading_id": [f"R{prefix + i}" for i in range(n)],
            "recorded_at": _dates(rng, start, 90, n),
            "vibration_mm_s": np.clip(vib, 0.1, None).round(2),
            "bearing_temp_c": temp.round(1),
            "pressure_bar": _with_missing(rng, pressure.round(2), 0.02),
            "rpm": rpm.round(),
            "operating_hours": hours.round(),
            "machine_model": model_,
            "lubricant": _with_missing(rng, lube, 0.03),
            "condition": cond,
        }
    )


@dataclass(frozen=True)
class _Spec:
    title: str
    task: str
    story: str
    frame: Callable[..., pd.DataFrame]
    numeric: list[str]
    categorical: list[str]
    estimator: Callable[[], object]
    roles: ColumnRoles
    seed: int
    sizes: tuple[int, int, int]  # reference, current, training rows
    class_names: dict[str, str] = field(default_factory=dict)  # how the target's classes read (0/1 targets)


_SPECS: dict[str, _Spec] = {
    "credit": _Spec(
        title="Credit risk (binary classification)",
        task="binary",
        story=(
            "A gradient-boosted credit-default model. In the current period incomes have "
            "fallen by about a quarter and a new employment type, 'gig-economy', appears "
            "that the model never saw in training."
        ),
        frame=_credit_frame,
        numeric=_CREDIT_NUM,
        categorical=_CREDIT_CAT,
        estimator=lambda: GradientBoostingClassifier(n_estimators=120, max_depth=3, random_state=SEED),
        roles=ColumnRoles(target="default", timestamp="application_date", id="application_id"),
        seed=SEED,
        sizes=(4000, 4000, 6000),
        class_names=CLASS_NAMES["credit"],
    ),
    "energy": _Spec(
        title="Building energy use (regression)",
        task="regression",
        story=(
            "A random-forest model of daily building energy use. The current period is a "
            "heat wave (outdoor temperature about 7 °C higher) and one site's feed reports "
            "floor area in square feet instead of square metres (15 % of rows)."
        ),
        frame=_energy_frame,
        numeric=_ENERGY_NUM,
        categorical=_ENERGY_CAT,
        estimator=lambda: RandomForestRegressor(
            n_estimators=60, max_depth=10, min_samples_leaf=3, random_state=SEED, n_jobs=1
        ),
        roles=ColumnRoles(target="energy_kwh", timestamp="date", id="reading_id"),
        seed=SEED + 1,
        sizes=(3000, 3000, 5000),
    ),
    "machines": _Spec(
        title="Machine condition (multiclass classification)",
        task="multiclass",
        story=(
            "A random-forest classifier of machine condition (normal, wear, failure). After "
            "a firmware update the vibration sensors of model M2 read 30 % high, and more "
            "machines in the current period are wearing or failing."
        ),
        frame=_machines_frame,
        numeric=_MACH_NUM,
        categorical=_MACH_CAT,
        estimator=lambda: RandomForestClassifier(n_estimators=80, max_depth=8, random_state=SEED, n_jobs=1),
        roles=ColumnRoles(target="condition", timestamp="recorded_at", id="reading_id"),
        seed=SEED + 2,
        sizes=(3000, 3000, 5000),
    ),
}


def _build(name: str, spec: _Spec) -> Scenario:
    rng = np.random.default_rng(spec.seed)
    n_ref, n_cur, n_train = spec.sizes
    ref = spec.frame(rng, n_ref, current=False)
    cur = spec.frame(rng, n_cur, current=True)
    features = spec.numeric + spec.categorical
    model = _pipeline(spec.numeric, spec.categorical, spec.estimator())
    train = spec.frame(rng, n_train, current=False)
    model.fit(train[features], train[spec.roles.target])
    return Scenario(
        name=name,
        title=spec.title,
        task=spec.task,
        story=spec.story,
        model=model,
        reference=ref,
        current=cur,
        roles=spec.roles,
        features=tuple(features),
        class_names=dict(spec.class_names),
    )


assert tuple(_SPECS) == SCENARIOS, "robustness/scenarios.py lists the scenarios _SPECS builds"


def scenario_class_names(name: str) -> dict[str, str]:
    """How a demo's classes read (class as text -> name), without building the demo; {} when the labels
    are the names already (or for regression). Pages read ``robustness.scenarios.CLASS_NAMES``, which
    imports nothing."""
    return dict(CLASS_NAMES.get(name, {}))


def scenario_text(name: str) -> tuple[str, str]:
    """A demo's title and story, without building it (its data and model take a second or two)."""
    try:
        spec = _SPECS[name]
    except KeyError:
        raise ConfigError(f"Unknown demo scenario '{name}'. Choose one of: {', '.join(SCENARIOS)}.") from None
    return spec.title, spec.story


def load_scenario(name: str = DEFAULT_SCENARIO) -> Scenario:
    """Build a demo scenario (deterministic: same name, same data and model)."""
    try:
        spec = _SPECS[name]
    except KeyError:
        raise ConfigError(f"Unknown demo scenario '{name}'. Choose one of: {', '.join(SCENARIOS)}.") from None
    return _build(name, spec)


def export_scenario(name: str, directory: str | Path) -> list[Path]:
    """Write ``model.skops``, ``reference.csv``, ``current.csv`` and ``scenario.json``."""
    import skops.io as sio

    scenario = load_scenario(name)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "model.skops", out / "reference.csv", out / "current.csv", out / "scenario.json"]
    sio.dump(scenario.model, paths[0])
    scenario.reference.to_csv(paths[1], index=False)
    scenario.current.to_csv(paths[2], index=False)
    paths[3].write_text(json.dumps(scenario.manifest(), indent=2) + "\n", encoding="utf-8")
    return paths


def scenario_workspace(name: str = DEFAULT_SCENARIO, *, scenario: Scenario | None = None):
    """A validated :class:`~robustness.workspace.Workspace` for a demo scenario (``scenario``: the one
    ``load_scenario(name)`` built, if at hand)."""
    import hashlib

    from robustness.models import from_estimator
    from robustness.workspace import build_workspace, table_from_frame

    s = scenario if scenario is not None else load_scenario(name)
    return build_workspace(
        table_from_frame(s.reference, f"{name} reference"),
        table_from_frame(s.current, f"{name} current"),
        s.roles,
        model=from_estimator(s.model, source="demo"),
        model_name=f"demo: {s.title}",
        model_sha256=hashlib.sha256(f"demo:{name}:{SEED}".encode()).hexdigest(),
        scenario=name,
        class_names=s.class_names,
    )


#: When labels stop arriving in each scenario's current period (about halfway): the monitoring view
#: treats later rows as unlabelled, so it shows the estimate tracking the realised value and then
#: carrying on alone. The data themselves keep every label (the other views measure on them).
LABELS_UNTIL = {"credit": "2024-10-01", "energy": "2025-07-31", "machines": "2025-04-16"}


def late_labels(name: str, current: pd.DataFrame, roles: ColumnRoles) -> pd.DataFrame:
    """``current`` as monitoring sees it in the demo's story: targets from ``LABELS_UNTIL[name]`` on are
    missing (labels arrive late). Unchanged for an unknown scenario or without target and timestamp."""
    until, target, ts = LABELS_UNTIL.get(name), roles.target, roles.timestamp
    if until is None or target not in current.columns or ts not in current.columns:
        return current
    late = pd.to_datetime(current[ts], errors="coerce") >= pd.Timestamp(until)
    out = current.copy()
    out[target] = out[target].where(~late.to_numpy())
    return out


# --------------------------------------------------------------------------- champion vs challenger (#20)
#: Scenarios that ship a challenger model, and its story.
CHALLENGER_STORIES = {
    "credit": (
        "A retrained challenger: logistic regression on a cubic polynomial of income and the other columns, "
        "fitted on a larger sample that includes the reference period. It is more accurate on the reference, not "
        "better on the current data, and far more fragile to unit errors (a cubic in income explodes on a value "
        "1,000 times too large)."
    ),
}


def load_challenger(name: str = DEFAULT_SCENARIO, *, scenario: Scenario | None = None) -> Pipeline:
    """The scenario's challenger model, fitted (deterministic); ConfigError for a scenario without one.
    ``scenario``: the scenario ``name`` already built (``load_scenario(name)``), so it is not built again."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    if name not in CHALLENGER_STORIES:
        raise ConfigError(f"The demo scenario '{name}' has no challenger; these do: {', '.join(CHALLENGER_STORIES)}.")
    s = scenario if scenario is not None else load_scenario(name)
    rng = np.random.default_rng(SEED + 100)
    train = pd.concat([_credit_frame(rng, 6000, current=False), s.reference], ignore_index=True)
    others = [c for c in _CREDIT_NUM if c != "income"]
    impute = lambda strategy: SimpleImputer(strategy=strategy)  # noqa: E731
    cubic = [
        ("impute", impute("median")),
        ("scale", StandardScaler()),
        ("cubic", PolynomialFeatures(3, include_bias=False)),
    ]
    pre = ColumnTransformer(
        [
            ("income", Pipeline(cubic), ["income"]),
            ("num", Pipeline([("impute", impute("median")), ("scale", StandardScaler())]), others),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", impute("most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                _CREDIT_CAT,
            ),
        ]
    )
    model = Pipeline([("preprocess", pre), ("model", LogisticRegression(C=1.0, max_iter=3000))])
    features = list(s.features)
    model.fit(train[features], train[s.roles.target])
    return model


def export_challenger(name: str, directory: str | Path) -> Path:
    """Write the scenario's challenger as ``challenger.skops`` beside the exported scenario."""
    import skops.io as sio

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "challenger.skops"
    sio.dump(load_challenger(name), path)
    return path
