"""Sections of the explainability page: widgets, figures and text; the work is in _explain_cache."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import explain_cache as cache
from dashboard.shared import md
from dashboard.story import plain_words
from dashboard.tables import show_table
from robustness.errors import RobustnessError
from robustness.explain import Explanation
from robustness.formatting import count, number, share
from robustness.performance.evaluate import worst_errors
from robustness.plots import compare as cplots
from robustness.plots import explain as eplots
from robustness.plots.wording import contribution_label, scale_label
from robustness.stress import label_of, minimal_change
from robustness.workspace import Workspace

SECTIONS = ["Importance", "Beeswarm", "Dependence", "Single row", "PDP / ICE", "Shift", "What-if"]
PLAIN_SECTIONS = {
    "Beeswarm": "Every row",
    "Dependence": "Effect by value",
    "PDP / ICE": "Average effect",
    "Shift": "Did the reasons change?",
}
METHOD_NAMES = {"tree": "Tree SHAP", "linear": "Linear SHAP", "permutation": "Permutation SHAP"}
PREDICTED = "each row's predicted class"
ALL_CLASSES = "all classes (stacked)"


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def section_label(section: str) -> str:
    """A section's name as the reader's words have it (Plain: "Every row" for "Beeswarm")."""
    return PLAIN_SECTIONS.get(section, section) if plain_words() else section


def intro(ws: Workspace) -> str:
    """The page's opening sentence."""
    if plain_words():
        return (
            f"How much each input of **{md(ws.current.name)}** pushes the model's predictions up or down, for "
            "the model as a whole and for one row, and whether the model's reasons differ from those on "
            f"**{md(ws.reference.name)}**."
        )
    return (
        f"SHAP attributions on the raw columns of **{md(ws.current.name)}**: how much each column's value moved each "
        "prediction away from the average, for the model as a whole and for one row, and whether the model's reasons "
        f"differ from those on **{md(ws.reference.name)}**."
    )


def permutation_wait(expl_or_method) -> str:
    method = getattr(expl_or_method, "method", expl_or_method)
    return (
        " The Permutation explainer's first use compiles numba code, which takes about 6–10 s."
        if method == "permutation"
        else ""
    )


# ------------------------------------------------------------------ summary


def info_box(ws: Workspace, expl: Explanation) -> None:
    info = expl.info
    if plain_words():
        _plain_info(ws, expl)
        return
    sampled = f", a seeded uniform sample (seed {expl.seed})" if expl.n_rows < expl.n_available else ""
    if not _classifier(expl):
        outputs = ""
    elif len(info.outputs) == 1:
        outputs = f" of class '{ws.class_label(info.outputs[0])}'"
    else:
        outputs = f", one set per class ({', '.join(ws.class_label(o) for o in info.outputs)})"
    background = (
        f"{info.background_rows:,} reference rows"
        if info.background_rows
        else "none (Tree SHAP uses the trees' own training coverage)"
    )
    perms = f" · permutations per row: {info.permutations}" if info.permutations else ""
    st.info(
        f"**Explainer: {method_name(info.method)}**, {md(info.algorithm)}.  \n"
        f"**Why:** {md(info.reason)}  \n"
        f"**Explained:** {md(info.explained)}.  \n"
        f"**Scale:** {md(info.scale)}{md(outputs)}.  \n"
        f"**Rows explained:** {count(expl.n_rows)} of {count(expl.n_available)} in {md(ws.current.name)}{sampled} · "
        f"**background:** {md(background)}{perms} · **time:** {number(expl.seconds)} s"
    )
    if not expl.additive:
        st.warning(
            f"The attributions do not add up to the model's output: base value + sum of contributions "
            f"differs from the output by up to {number(expl.additivity_max_error)} ({md(info.scale)}). "
            "Treat the numbers below with care; a higher permutation budget may help."
        )
    else:
        st.caption(
            f"Additivity checked: base value + contributions = the model's own output on every explained row "
            f"(max error {number(expl.additivity_max_error, digits=2)})."
        )
    for note in expl.notes:
        if not note.startswith("Explained a seeded uniform sample"):  # already in the box
            st.caption(md(note))


def _plain_info(ws: Workspace, expl: Explanation) -> None:
    """The explainer box in words: what a push is, on which scale, and how many rows were explained."""
    info = expl.info
    sampled = " (a random sample, the same every time)" if expl.n_rows < expl.n_available else ""
    if not _classifier(expl):
        towards = "raises or lowers the predicted value"
    elif len(info.outputs) == 1:
        towards = f"makes '{ws.class_label(info.outputs[0])}' more or less likely"
    else:
        towards = "makes each class more or less likely"
    unit = {
        "log-odds": ", on the model's internal score",
        "raw score": ", on the model's internal score",
        "probability": ", in probability",
    }.get(info.scale, "")
    st.info(
        f"**How to read this page:** an input's *push* is how much its value {towards}, compared with the "
        f"average prediction{unit}. Pushes of all inputs add up to the prediction.  \n"
        f"**Rows explained:** {count(expl.n_rows)} of {count(expl.n_available)} rows of {md(ws.current.name)}"
        f"{sampled}."
    )
    if not expl.additive:
        st.warning(
            "The pushes do not add up exactly to the model's predictions here: treat the numbers below with care "
            "(Technical words show by how much)."
        )
    for note in expl.notes:
        if not note.startswith("Explained a seeded uniform sample"):
            st.caption(md(note))


def render_section(section: str, ws: Workspace, expl: Explanation, config_key: str) -> None:
    seed = expl.seed
    {
        "Importance": lambda: importance_tab(ws, expl, seed),
        "Beeswarm": lambda: beeswarm_tab(ws, expl),
        "Dependence": lambda: dependence_tab(ws, expl, config_key),
        "Single row": lambda: row_tab(ws, expl, config_key),
        "PDP / ICE": lambda: pdp_tab(ws, expl, seed),
        "Shift": lambda: shift_tab(ws, expl, config_key),
        "What-if": lambda: whatif_tab(ws, expl, config_key, seed),
    }[section]()


# ------------------------------------------------------------------ helpers


def _classifier(expl: Explanation) -> bool:
    return tuple(expl.outputs) != ("prediction",)


def _output_picker(
    expl: Explanation,
    key: str,
    *,
    first: str | None = None,
    default: str | None = None,
    narrow: bool = False,
    names: dict | None = None,
):
    """A class selector for multiclass models (binary and regression: the one output, no widget), classes
    shown by name (``names``: class as text -> name). ``first``: an extra option meaning "no single class"
    (returned as None)."""
    if len(expl.outputs) <= 1:
        return expl.outputs[0] if expl.outputs else None
    options = ([first] if first else []) + list(expl.outputs)
    index = options.index(default) if default in options else 0
    where = st.columns(3)[0] if narrow else st
    choice = where.selectbox(
        "Class",
        options,
        index=index,
        key=key,
        format_func=lambda o: o if o == first else (names or {}).get(str(o), str(o)),
        help="Multiclass models are explained per class: each class has its own contributions.",
    )
    return None if choice == first else choice


def _feature_order(expl: Explanation) -> list[str]:
    return [i.feature for i in expl.importance()]


def _values_table(row, output: int, *, plain: bool = False) -> pd.DataFrame:
    push = contribution_label(plain=plain) if plain else "contribution"
    return pd.DataFrame(
        [{"column": f, "value": eplots.format_value(v), push: c} for f, v, c in row.contributions(output)]
    )


def _shown_prediction(ws: Workspace, value) -> str:
    """A prediction as people read it: a class by its name, a number in the one format."""
    return ws.class_label(value) if ws.model is not None and ws.model.is_classifier else eplots.format_value(value)


def _show_row(ws: Workspace, row, expl: Explanation, key: str) -> None:
    """Prediction, waterfall and values of one explained row."""
    plain = plain_words()
    classes = list(expl.outputs)
    default = str(row.prediction) if str(row.prediction) in classes else None
    if len(classes) > 1:
        out_name = _output_picker(expl, key, default=default, narrow=True, names=ws.class_names)
        k = classes.index(out_name)
    else:
        k = 0
    for_class = f", for class '{ws.class_label(classes[k])}'" if _classifier(expl) else ""
    c1, c2, c3 = st.columns(3)
    c1.metric("Prediction", _shown_prediction(ws, row.prediction) + _confidence(ws, row))
    if plain:
        scale = scale_label(row.scale, plain=True)
        c2.metric(
            f"This row's {scale}",
            number(float(row.model_output[k])),
            help=f"The model's own {scale}{for_class}: the average below plus every input's push.",
        )
        c3.metric(
            f"Average {scale}",
            number(float(row.base_values[k])),
            help="Where every row starts before its inputs push it: the average over the reference rows.",
        )
    else:
        c2.metric(
            f"Model output ({row.scale})",
            number(float(row.model_output[k])),
            help=f"On the scale the explainer works on{for_class}: base value + the contributions below.",
        )
        c3.metric(
            "Base value",
            number(float(row.base_values[k])),
            help="The average output over the background (or the trees' training data).",
        )
    st.plotly_chart(eplots.waterfall(row, output=k, plain=plain, class_names=ws.class_names), width="stretch")
    show_table(_values_table(row, k, plain=plain), what="columns")


def _confidence(ws: Workspace, row) -> str:
    """' · 97.2 %': the model's probability of the predicted class ('' without probabilities)."""
    model = ws.model
    if not (model.is_classifier and model.has_proba and model.classes is not None):
        return ""
    try:
        proba = np.asarray(model.predict_proba(row.data.to_frame().T.infer_objects()), dtype=float)[0]
    except RobustnessError:
        return ""
    classes = [str(c) for c in model.classes]
    return f" · {share(proba[classes.index(str(row.prediction))])}" if str(row.prediction) in classes else ""


def _explain_one(ws: Workspace, expl: Explanation, config_key: str, frame: pd.DataFrame):
    """The explanation of the one row in ``frame`` (reused from the sample when it is there, unedited)."""
    label = frame.index[0]
    if (
        expl.data.index.is_unique
        and label in expl.data.index
        and expl.data.loc[[label]].equals(frame[list(expl.data.columns)])
    ):
        return expl.row(label)
    with st.spinner("Explaining the row…" + permutation_wait(expl.info)):
        one = cache.cached_rows(ws, ws.key(), config_key, frame)
    return one.row(one.data.index[0])


# ------------------------------------------------------------------ sections


def importance_tab(ws: Workspace, expl: Explanation, seed: int) -> None:
    plain = plain_words()
    output = _output_picker(expl, "explain_imp_output", first=ALL_CLASSES, narrow=True, names=ws.class_names)
    pi, error = None, None
    with st.spinner("Shuffling each column to measure scikit-learn's permutation importance…"):
        try:
            pi = cache.cached_permutation_importance(ws, ws.key(), seed)
        except RobustnessError as err:
            error = err
    st.plotly_chart(
        eplots.importance_bars(expl, pi, output=output, plain=plain, class_names=ws.class_names), width="stretch"
    )
    if error is not None:
        st.error(md(f"Permutation importance could not be computed: {error}"))
    elif pi is not None:
        how = (
            f"with the labels in '{ws.roles.target}'"
            if pi.labelled
            else "without labels (the current data has none): how much the predictions change"
        )
        if plain:
            st.caption(
                md(
                    f"Left: how much each input pushes the predictions, either way, on average over "
                    f"{count(expl.n_rows)} rows. Right: how much the model's {pi.scoring} drops when the input's "
                    f"values are shuffled among the rows, {how} ({count(pi.n_rows)} current rows); the error bars "
                    "show how much that varies."
                )
            )
        else:
            st.caption(
                md(
                    f"Left: mean |SHAP value| over {count(expl.n_rows)} explained rows. Right: scikit-learn's "
                    f"permutation importance, the drop in {pi.scoring} when a column is shuffled, {how}; "
                    f"{count(pi.n_rows)} current rows × {count(pi.n_repeats)} repeats (seed {seed}), error bars "
                    "± 1 std."
                )
            )
    imp = expl.importance()
    mean = contribution_label(plain=plain, mean=True) if plain else "mean |SHAP|"
    table = {"column": [i.feature for i in imp], mean: [i.mean_abs_shap for i in imp]}
    if len(expl.outputs) > 1:
        for k, name in enumerate(expl.outputs):
            table[f"class {ws.class_label(name)}"] = [i.per_output[k] for i in imp]
    if pi is not None:
        by = dict(zip(pi.features, zip(pi.mean, pi.std)))
        table["drop when shuffled" if plain else "permutation importance"] = [
            by.get(i.feature, (math.nan, math.nan))[0] for i in imp
        ]
        table["± std"] = [by.get(i.feature, (math.nan, math.nan))[1] for i in imp]
    show_table(pd.DataFrame(table), what="columns")
    if ws.has_challenger and pi is not None:
        _challenger_importance(ws, pi, seed, plain=plain)


def _challenger_importance(ws: Workspace, pi, seed: int, *, plain: bool) -> None:
    """The challenger's permutation importance beside the model's: the same score dropped on the same rows, so
    the two read on one scale (SHAP values of two models need not)."""
    st.subheader("Champion vs challenger")
    challenger_ws = ws.challenger_workspace()
    try:
        with st.spinner("Shuffling each column for the challenger…"):
            pi_challenger = cache.cached_permutation_importance(challenger_ws, challenger_ws.key(), seed)
    except RobustnessError as err:
        st.warning(md(f"The challenger's permutation importance could not be computed: {err}"))
        return
    st.plotly_chart(cplots.importance_pair(pi, pi_challenger, plain=plain), width="stretch")
    top = {who: r.features[0] for who, r in (("champion", pi), ("challenger", pi_challenger)) if r.features}
    same = len(set(top.values())) == 1
    st.caption(
        md(
            f"{ws.model_name or 'The model'} (champion) and {ws.challenger_name or 'the challenger'} (challenger): how "
            f"much {pi.scoring} drops when each input's values are shuffled, on the same {count(pi.n_rows)} current "
            "rows. "
            + (
                f"Both rely most on '{top['champion']}'."
                if same and top
                else f"The champion relies most on '{top.get('champion', '–')}', the challenger on "
                f"'{top.get('challenger', '–')}'."
            )
            + " Rank changes are on the 'Compare models' page."
        )
    )


def beeswarm_tab(ws: Workspace, expl: Explanation) -> None:
    output = _output_picker(expl, "explain_swarm_output", first=PREDICTED, narrow=True, names=ws.class_names)
    st.plotly_chart(
        eplots.beeswarm(expl, output=output, plain=plain_words(), class_names=ws.class_names), width="stretch"
    )
    st.caption(
        "One dot per explained row and column: right of 0 the column's value raised the output, left of "
        "0 it lowered it. Colour: the column's own value, low (blue) to high (red); categories by their "
        "order, grey where missing."
    )


def dependence_tab(ws: Workspace, expl: Explanation, config_key: str) -> None:
    features = _feature_order(expl)
    c1, c2, c3 = st.columns(3)
    with c1:
        feature = st.selectbox("Column", features, key="explain_dep_feature")
    with c3:
        output = _output_picker(expl, "explain_dep_output", first=PREDICTED, names=ws.class_names)
    auto = cache.cached_interaction(ws, ws.key(), config_key, feature, output)
    auto_label = f"auto: {auto}" if auto else "auto: none found"
    others = [f for f in features if f != feature]
    with c2:
        pick = st.selectbox(
            "Colour by",
            [auto_label] + others + ["no colour"],
            key=f"explain_dep_color_{feature}",
            help="Auto picks the column that best explains the spread of this column's "
            "contributions (shap's approximate interactions).",
        )
    color_by = auto if pick == auto_label else (None if pick == "no colour" else pick)
    st.plotly_chart(
        eplots.dependence(
            expl, feature, color_by=color_by, output=output, plain=plain_words(), class_names=ws.class_names
        ),
        width="stretch",
    )
    st.caption(
        md(
            f"Each dot is an explained row: its value of '{feature}' and how much that value added to or "
            "took from the output. A vertical spread at one value means the effect depends on other columns"
            + (f"; here mostly on '{color_by}'." if color_by else ".")
        )
    )


def _fragile(ws: Workspace) -> list:
    """The stress page's fragile rows that belong to this workspace's current data."""
    store = st.session_state.get("stress_results") or {}
    frame = ws.current.frame
    out, seen = [], set()
    for result in store.values():
        for f in getattr(result, "fragile", ()):
            if f.row in seen or f.row not in frame.index:
                continue
            row = frame.loc[f.row]
            if isinstance(row, pd.DataFrame) or not all(_same(row.get(c), v) for c, v in f.values.items()):
                continue  # from another workspace
            seen.add(f.row)
            out.append(f)
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def _worst_errors(_ws: Workspace, key: str, names: tuple[tuple[str, str], ...]) -> list[tuple[int, str]]:
    """(row position in the current data, description) of the worst predictions against the labels, as
    robustness.performance writes them for the CLI and the report too: classes by name (``names``, part of the
    cache key: class names are not in the workspace key), values in the one number format."""
    if not _ws.target_in_current or _ws.model is None:
        return []
    return worst_errors(_ws.model, _ws.current.frame, _ws.roles.target, n=cache.WORST, class_names=dict(names))


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v))


def _same(a, b) -> bool:
    """Equal as a user sees it: missing == missing, 1 == 1.0, numbers up to rounding."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    numbers = (int, float, np.integer, np.floating)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, (bool, np.bool_))
        and not isinstance(b, (bool, np.bool_))
    ):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return str(a) == str(b)


def row_tab(ws: Workspace, expl: Explanation, config_key: str) -> None:
    frame = ws.current.frame
    id_col = ws.roles.id if ws.roles.id and ws.roles.id in frame.columns else None
    worst = dict(_worst_errors(ws, ws.key(), tuple(sorted(ws.class_names.items()))))
    fragile = _fragile(ws)
    modes = (
        (["by ID"] if id_col else [])
        + ["by row number"]
        + (["worst errors"] if worst else [])
        + (["stress-test fragile rows"] if fragile else [])
    )
    mode = st.radio("Choose the row", modes, horizontal=True, key="explain_row_mode")
    if not fragile:
        st.caption("Run the 'Stress tests' page to pick from the rows whose decision flips first.")
    position: int | None = None
    if mode == "by ID":
        first = frame[id_col].iloc[0]
        wanted = st.text_input(md(f"Value of the ID column '{id_col}'"), value=str(first), key="explain_row_id")
        hits = np.flatnonzero(frame[id_col].astype(str).to_numpy() == wanted.strip())
        if hits.size == 0:
            st.warning(md(f"No row of {ws.current.name} has {id_col} = {wanted}."))
            return
        position = int(hits[0])
    elif mode == "by row number":
        position = int(
            st.number_input(
                md(f"Row number in {ws.current.name} (0 = the first row)"),
                0,
                len(frame) - 1,
                value=0,
                step=1,
                key="explain_row_position",
            )
        )
    elif mode == "worst errors":
        position = st.selectbox(
            "Worst predictions against the labels", list(worst), format_func=worst.get, key="explain_row_worst"
        )
    else:
        by_row = {f.row: f for f in fragile}
        label = st.selectbox(
            "Rows whose decision flips first under the stress tests",
            list(by_row),
            key="explain_row_fragile",
            format_func=lambda r: (
                f"row {r}: {ws.class_label(by_row[r].prediction)} → {ws.class_label(by_row[r].flipped_to)} under "
                f"{label_of(by_row[r].perturbation)} at severity {number(by_row[r].min_severity)}"
            ),
        )
        position = int(np.flatnonzero(frame.index == label)[0])
    one = frame.iloc[[position]]
    try:
        row = _explain_one(ws, expl, config_key, one[cache.inputs(ws)])
    except RobustnessError as err:
        st.error(md(err))
        return
    if ws.target_in_current:
        st.caption(md(f"Label in the data: {ws.roles.target} = {_shown_prediction(ws, one[ws.roles.target].iloc[0])}"))
    _show_row(ws, row, expl, "explain_row_output")


def pdp_tab(ws: Workspace, expl: Explanation, seed: int) -> None:
    features = _feature_order(expl)
    c1, c2 = st.columns(2)
    with c1:
        feature = st.selectbox("Column", features, key="explain_pdp_feature")
    if not ws.model.is_classifier:
        k = 0
    else:
        with c2:
            classes = [str(c) for c in (ws.model.classes or [])]
            shown = classes[-1:] if len(classes) <= 2 else classes
            k = (
                shown.index(st.selectbox("Class", shown, key="explain_pdp_output", format_func=ws.class_label))
                if len(shown) > 1
                else 0
            )
    try:
        with st.spinner(md(f"Scoring the grid of '{feature}' for every sampled row…")):
            pdp = cache.cached_pdp(ws, ws.key(), feature, seed)
    except RobustnessError as err:
        st.error(md(err))
        return
    plain = plain_words()
    st.plotly_chart(eplots.pdp_ice(pdp, output=k, plain=plain, class_names=ws.class_names), width="stretch")
    if plain:
        st.caption(
            md(
                f"'{feature}' is set to each value along the axis in every one of {count(pdp.n_rows)} sampled "
                f"current rows: the bold line is the average prediction, the thin ones "
                f"{count(pdp.individual.shape[1])} single rows. Lines that cross mean the effect of '{feature}' "
                "depends on other inputs."
            )
        )
    else:
        st.caption(
            md(
                f"scikit-learn's partial dependence: '{feature}' is set to each grid value in every one of "
                f"{count(pdp.n_rows)} sampled current rows; the bold line is the average prediction (PDP), the thin "
                f"ones {count(pdp.individual.shape[1])} single rows (ICE). Curves that cross mean interactions."
            )
        )


def shift_tab(ws: Workspace, expl: Explanation, config_key: str) -> None:
    try:
        with st.spinner(
            md(f"Explaining a sample of {ws.reference.name} with the same explainer…") + permutation_wait(expl.info)
        ):
            shift = cache.cached_shift(ws, ws.key(), config_key)
    except RobustnessError as err:
        st.error(md(err))
        return
    plain = plain_words()
    shifted = shift.shifted
    if shifted:
        names = ", ".join(f"'{f}'" for f in shifted)
        st.markdown(
            md(
                f"The model's reasons changed: {names} push{'es' if len(shifted) == 1 else ''} the predictions "
                f"differently on {ws.current.name} than on {ws.reference.name} ({count(shift.n_current)} and "
                f"{count(shift.n_reference)} rows compared)."
                if plain
                else f"The model's reasons changed: the contributions of {names} are distributed differently on "
                f"{ws.current.name} than on {ws.reference.name} ({count(shift.n_current)} and "
                f"{count(shift.n_reference)} explained rows)."
            )
        )
    else:
        st.markdown(
            md(
                f"The model's reasons did not change: no column's contributions are distributed "
                f"differently on {ws.current.name} than on {ws.reference.name}."
            )
        )
    st.plotly_chart(eplots.shift_chart(shift, plain=plain, class_names=ws.class_names), width="stretch")
    if plain:
        st.caption(
            "For each input, how hard it pushes the predictions on the two sets of rows is compared the way the "
            "drift page compares the inputs themselves; a change beyond chance is marked ⚠."
        )
        rows = [
            {
                "column": f.feature,
                "changed": f.shifted,
                "average push (reference)": f.mean_abs_reference,
                "average push (current)": f.mean_abs_current,
                "change": f.change,
                "class": ws.class_label(f.output),
            }
            for f in shift.features
        ]
    else:
        st.caption(
            "Each column's SHAP values on the two samples are compared with the drift engine's default test "
            "(KS, or a distance with a significance guard on large samples), Benjamini–Hochberg corrected."
        )
        rows = [
            {
                "column": f.feature,
                "shifted": f.shifted,
                "mean |SHAP| reference": f.mean_abs_reference,
                "mean |SHAP| current": f.mean_abs_current,
                "change": f.change,
                "class": ws.class_label(f.output),
                "test": f.test,
                "p-value": f.p_value,
                "effect size": f.effect_size,
            }
            for f in shift.features
        ]
    show_table(pd.DataFrame(rows), what="columns")


# ------------------------------------------------------------------ what-if


def _input_widget(col, value, stats, key: str, dtype):
    """One form input for one column, pre-filled with the row's value."""
    if col in stats.numeric and pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        s = stats.numeric[col]
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        if pd.api.types.is_integer_dtype(dtype) or s.integer:
            return st.number_input(md(col), value=None if missing else int(round(float(value))), step=1, key=key)
        spread = s.std if math.isfinite(s.std) and s.std > 0 else s.scale()
        step = float(10 ** math.floor(math.log10(spread / 10))) if spread > 0 else 0.01
        decimals = max(2, min(6, 1 - int(math.floor(math.log10(step)))))
        return st.number_input(
            md(col), value=None if missing else float(value), step=step, format=f"%.{decimals}f", key=key
        )
    options = list(stats.categorical[col].values) if col in stats.categorical else []
    if not any(_same(value, o) for o in options):
        options = [value] + options
    index = next(i for i, o in enumerate(options) if _same(value, o))
    return st.selectbox(md(col), options, index=index, format_func=eplots.format_value, key=key)


def _edited(row: pd.DataFrame, values: dict) -> pd.DataFrame:
    """The row with the form's values, each column kept in its dtype where the value fits."""
    out = row.copy()
    for col, v in values.items():
        dtype = row[col].dtype
        if v is None and pd.api.types.is_numeric_dtype(dtype):
            v = np.nan
        for target in (dtype, float, object):
            try:
                out[col] = pd.Series([v], index=row.index).astype(target)
                break
            except (TypeError, ValueError):
                continue
    return out


def _prediction_text(ws: Workspace, frame: pd.DataFrame) -> str:
    model = ws.model
    pred = model.predict(frame)[0]
    if model.is_classifier and model.has_proba and model.classes is not None:
        proba = np.asarray(model.predict_proba(frame), dtype=float)[0]
        shares = ", ".join(f"{ws.class_label(c)}: {share(p)}" for c, p in zip(model.classes, proba))
        return f"{ws.class_label(pred)} ({shares})"
    return _shown_prediction(ws, pred)


def whatif_tab(ws: Workspace, expl: Explanation, config_key: str, seed: int) -> None:
    frame = ws.current.frame
    cols = cache.inputs(ws)
    stats = cache.cached_reference_stats(ws, ws.key())
    position = int(
        st.number_input(
            md(f"Start from row number in {ws.current.name}"),
            0,
            len(frame) - 1,
            value=0,
            step=1,
            key="explain_whatif_row",
        )
    )
    original = frame.iloc[[position]][cols]
    st.caption(
        "Edit the values and press 'Predict': the prediction and its explanation follow. Categories are "
        "the reference data's."
    )
    tag = hashlib.sha256(f"{ws.key()}|{position}".encode()).hexdigest()[:10]
    values = {}
    with st.form("explain_whatif_form"):
        grid = st.columns(3)
        for j, col in enumerate(cols):
            with grid[j % 3]:
                values[col] = _input_widget(
                    col, original[col].iloc[0], stats, f"explain_whatif_{tag}_{j}", original[col].dtype
                )
        st.form_submit_button("Predict", type="primary")
    edited = _edited(original, values)
    changed = [c for c in cols if not _same(edited[c].iloc[0], original[c].iloc[0])]
    try:
        before = _prediction_text(ws, original)
        after = _prediction_text(ws, edited)
        row = _explain_one(ws, expl, config_key, edited)
    except RobustnessError as err:
        st.error(md(err))
        return
    if changed:
        st.markdown("**Prediction:** " + md(f"{after} (was {before} before changing {', '.join(changed)})"))
    else:
        st.markdown("**Prediction:** " + md(f"{after} (the row as it is in the data)"))
    _show_row(ws, row, expl, "explain_whatif_output")
    if ws.model.is_classifier:
        _counterfactual(ws, edited, stats, seed, tag)


def _counterfactual(ws: Workspace, row: pd.DataFrame, stats, seed: int, tag: str) -> None:
    st.subheader("Smallest change that flips the decision")
    movable = [c for c in row.columns if c in stats.numeric or c in stats.categorical]
    numeric = [c for c in movable if c in stats.numeric]
    with st.form("explain_cf_form"):
        allowed = st.multiselect("Columns that may change", movable, default=movable, key=f"explain_cf_cols_{tag}")
        st.caption("Ranges the numbers may take (default: the reference minimum and maximum).")
        ranges = st.data_editor(
            pd.DataFrame(
                {
                    "column": numeric,
                    "low": [stats.numeric[c].minimum for c in numeric],
                    "high": [stats.numeric[c].maximum for c in numeric],
                }
            ),
            column_config={
                "column": st.column_config.TextColumn(disabled=True),
                "low": st.column_config.NumberColumn(format="%.4g"),
                "high": st.column_config.NumberColumn(format="%.4g"),
            },
            hide_index=True,
            width="stretch",
            key=f"explain_cf_ranges_{tag}",
        )
        budget = st.number_input(
            "Evaluations (candidate rows scored at most)",
            100,
            100_000,
            value=2000,
            step=500,
            key=f"explain_cf_budget_{tag}",
        )
        searched = st.form_submit_button("Search")
    store: dict = st.session_state.setdefault("explain_counterfactuals", {})
    bounds = {
        r.column: (float(r.low), float(r.high))
        for r in ranges.itertuples()
        if r.column in allowed and pd.notna(r.low) and pd.notna(r.high)
    }
    run_key = hashlib.sha256(
        repr(
            (
                ws.key(),
                pd.util.hash_pandas_object(row, index=True).tolist(),
                sorted(allowed),
                sorted(bounds.items()),
                int(budget),
                seed,
                sorted(ws.class_names.items()),  # the message names the classes
            )
        ).encode()
    ).hexdigest()
    if searched:
        if not allowed:
            st.warning("Choose at least one column that may change.")
            return
        try:
            with st.spinner("Searching for the smallest change…"):
                store[run_key] = minimal_change(
                    ws.model,
                    row,
                    stats,
                    columns=allowed,
                    bounds=bounds,
                    max_evaluations=int(budget),
                    seed=seed,
                    class_names=ws.class_names,
                )
        except RobustnessError as err:
            st.error(md(err))
            return
    found = store.get(run_key)
    if found is None:
        return
    (st.success if found.found else st.info)(md(found.message))
    if found.changes:
        show_table(
            pd.DataFrame(
                [
                    {"column": c, "from": eplots.format_value(a), "to": eplots.format_value(b)}
                    for c, a, b in found.changes
                ]
            ),
            what="changes",
        )
    st.caption(f"{count(found.evaluations)} candidate rows scored (seed {seed}).")
