"""Sections of the explainability page: widgets, figures and text; the work is in _explain_cache."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import explain_cache as cache
from dashboard.shared import md
from robustness.errors import RobustnessError
from robustness.explain import Explanation
from robustness.plots import explain as eplots
from robustness.stress import minimal_change
from robustness.workspace import Workspace

SECTIONS = ["Importance", "Beeswarm", "Dependence", "Single row", "PDP / ICE", "Shift", "What-if"]
METHOD_NAMES = {"tree": "Tree SHAP", "linear": "Linear SHAP", "permutation": "Permutation SHAP"}
PREDICTED = "each row's predicted class"
ALL_CLASSES = "all classes (stacked)"


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


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
    sampled = f", a seeded uniform sample (seed {expl.seed})" if expl.n_rows < expl.n_available else ""
    if not _classifier(expl):
        outputs = ""
    elif len(info.outputs) == 1:
        outputs = f" of class '{info.outputs[0]}'"
    else:
        outputs = f", one set per class ({', '.join(info.outputs)})"
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
        f"**Rows explained:** {expl.n_rows:,} of {expl.n_available:,} in {md(ws.current.name)}{sampled} · "
        f"**background:** {md(background)}{perms} · **time:** {expl.seconds:.2f} s"
    )
    if not expl.additive:
        st.warning(
            f"The attributions do not add up to the model's output: base value + sum of contributions "
            f"differs from the output by up to {expl.additivity_max_error:.3g} ({md(info.scale)}). "
            "Treat the numbers below with care; a higher permutation budget may help."
        )
    else:
        st.caption(
            f"Additivity checked: base value + contributions = the model's own output on every explained row "
            f"(max error {expl.additivity_max_error:.1e})."
        )
    for note in expl.notes:
        if not note.startswith("Explained a seeded uniform sample"):  # already in the box
            st.caption(md(note))


def render_section(section: str, ws: Workspace, expl: Explanation, config_key: str) -> None:
    seed = expl.seed
    {
        "Importance": lambda: importance_tab(ws, expl, seed),
        "Beeswarm": lambda: beeswarm_tab(expl),
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
    expl: Explanation, key: str, *, first: str | None = None, default: str | None = None, narrow: bool = False
):
    """A class selector for multiclass models (binary and regression: the one output, no widget).
    ``first``: an extra option meaning "no single class" (returned as None)."""
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
        help="Multiclass models are explained per class: each class has its own contributions.",
    )
    return None if choice == first else choice


def _table_height(rows: int) -> int:
    """Pixels for a table showing up to 20 rows without scrolling."""
    return 38 + 35 * min(rows, 20)


def _feature_order(expl: Explanation) -> list[str]:
    return [i.feature for i in expl.importance()]


def _values_table(row, output: int) -> pd.DataFrame:
    return pd.DataFrame(
        [{"column": f, "value": eplots.format_value(v), "contribution": c} for f, v, c in row.contributions(output)]
    )


def _show_row(ws: Workspace, row, expl: Explanation, key: str) -> None:
    """Prediction, waterfall and values of one explained row."""
    classes = list(expl.outputs)
    default = str(row.prediction) if str(row.prediction) in classes else None
    if len(classes) > 1:
        out_name = _output_picker(expl, key, default=default, narrow=True)
        k = classes.index(out_name)
    else:
        k = 0
    c1, c2, c3 = st.columns(3)
    c1.metric("Prediction", eplots.format_value(row.prediction) + _confidence(ws, row))
    c2.metric(
        f"Model output ({row.scale})",
        f"{float(row.model_output[k]):.4g}",
        help="On the scale the explainer works on"
        + (f", for class '{classes[k]}'" if _classifier(expl) else "")
        + ": base value + the contributions below.",
    )
    c3.metric(
        "Base value",
        f"{float(row.base_values[k]):.4g}",
        help="The average output over the background (or the trees' training data).",
    )
    st.plotly_chart(eplots.waterfall(row, output=k), width="stretch")
    st.dataframe(
        _values_table(row, k),
        hide_index=True,
        width="stretch",
        height=_table_height(len(row.features)),
        column_config={"contribution": st.column_config.NumberColumn(format="%+.4g")},
    )


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
    return f" · {proba[classes.index(str(row.prediction))]:.1%}" if str(row.prediction) in classes else ""


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
    output = _output_picker(expl, "explain_imp_output", first=ALL_CLASSES, narrow=True)
    pi, error = None, None
    with st.spinner("Shuffling each column to measure scikit-learn's permutation importance…"):
        try:
            pi = cache.cached_permutation_importance(ws, ws.key(), seed)
        except RobustnessError as err:
            error = err
    st.plotly_chart(eplots.importance_bars(expl, pi, output=output), width="stretch")
    if error is not None:
        st.error(md(f"Permutation importance could not be computed: {error}"))
    elif pi is not None:
        how = (
            f"with the labels in '{ws.roles.target}'"
            if pi.labelled
            else "without labels (the current data has none): how much the predictions change"
        )
        st.caption(
            md(
                f"Left: mean |SHAP value| over {expl.n_rows:,} explained rows. Right: scikit-learn's "
                f"permutation importance, the drop in {pi.scoring} when a column is shuffled, {how}; "
                f"{pi.n_rows:,} current rows × {pi.n_repeats} repeats (seed {seed}), error bars ± 1 std."
            )
        )
    imp = expl.importance()
    table = {"column": [i.feature for i in imp], "mean |SHAP|": [i.mean_abs_shap for i in imp]}
    if len(expl.outputs) > 1:
        for k, name in enumerate(expl.outputs):
            table[f"class {name}"] = [i.per_output[k] for i in imp]
    if pi is not None:
        by = dict(zip(pi.features, zip(pi.mean, pi.std)))
        table["permutation importance"] = [by.get(i.feature, (math.nan, math.nan))[0] for i in imp]
        table["± std"] = [by.get(i.feature, (math.nan, math.nan))[1] for i in imp]
    fmt = {c: st.column_config.NumberColumn(format="%.4g") for c in table if c != "column"}
    st.dataframe(
        pd.DataFrame(table), hide_index=True, width="stretch", column_config=fmt, height=_table_height(len(imp))
    )


def beeswarm_tab(expl: Explanation) -> None:
    output = _output_picker(expl, "explain_swarm_output", first=PREDICTED, narrow=True)
    st.plotly_chart(eplots.beeswarm(expl, output=output), width="stretch")
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
        output = _output_picker(expl, "explain_dep_output", first=PREDICTED)
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
    st.plotly_chart(eplots.dependence(expl, feature, color_by=color_by, output=output), width="stretch")
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
    worst = cache.cached_worst_errors(ws, ws.key()) if ws.target_in_current else []
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
        labels = dict(worst)
        position = st.selectbox(
            "Worst predictions against the labels", list(labels), format_func=labels.get, key="explain_row_worst"
        )
    else:
        by_row = {f.row: f for f in fragile}
        label = st.selectbox(
            "Rows whose decision flips first under the stress tests",
            list(by_row),
            key="explain_row_fragile",
            format_func=lambda r: (
                f"row {r}: {by_row[r].prediction} → {by_row[r].flipped_to} under "
                f"{by_row[r].perturbation} at severity {by_row[r].min_severity:g}"
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
        st.caption(md(f"Label in the data: {ws.roles.target} = {eplots.format_value(one[ws.roles.target].iloc[0])}"))
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
            k = shown.index(st.selectbox("Class", shown, key="explain_pdp_output")) if len(shown) > 1 else 0
    try:
        with st.spinner(md(f"Scoring the grid of '{feature}' for every sampled row…")):
            pdp = cache.cached_pdp(ws, ws.key(), feature, seed)
    except RobustnessError as err:
        st.error(md(err))
        return
    st.plotly_chart(eplots.pdp_ice(pdp, output=k), width="stretch")
    st.caption(
        md(
            f"scikit-learn's partial dependence: '{feature}' is set to each grid value in every one of "
            f"{pdp.n_rows:,} sampled current rows; the bold line is the average prediction (PDP), the thin "
            f"ones {pdp.individual.shape[1]} single rows (ICE). Curves that cross mean interactions."
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
    shifted = shift.shifted
    if shifted:
        names = ", ".join(f"'{f}'" for f in shifted)
        st.markdown(
            md(
                f"The model's reasons changed: the contributions of {names} are distributed differently on "
                f"{ws.current.name} than on {ws.reference.name} ({shift.n_current:,} and "
                f"{shift.n_reference:,} explained rows)."
            )
        )
    else:
        st.markdown(
            md(
                f"The model's reasons did not change: no column's contributions are distributed "
                f"differently on {ws.current.name} than on {ws.reference.name}."
            )
        )
    st.plotly_chart(eplots.shift_chart(shift), width="stretch")
    st.caption(
        "Each column's SHAP values on the two samples are compared with the drift engine's default test "
        "(KS, or a distance with a significance guard on large samples), Benjamini–Hochberg corrected."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "column": f.feature,
                    "shifted": f.shifted,
                    "mean |SHAP| reference": f.mean_abs_reference,
                    "mean |SHAP| current": f.mean_abs_current,
                    "change": f.change,
                    "class": f.output,
                    "test": f.test,
                    "p-value": f.p_value,
                    "effect size": f.effect_size,
                }
                for f in shift.features
            ]
        ),
        hide_index=True,
        width="stretch",
        height=_table_height(len(shift.features)),
        column_config={
            c: st.column_config.NumberColumn(format="%.4g")
            for c in ("mean |SHAP| reference", "mean |SHAP| current", "change", "p-value", "effect size")
        },
    )


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
        shares = ", ".join(f"{eplots.format_value(c)}: {p:.1%}" for c, p in zip(model.classes, proba))
        return f"{eplots.format_value(pred)} ({shares})"
    return eplots.format_value(pred)


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
                    ws.model, row, stats, columns=allowed, bounds=bounds, max_evaluations=int(budget), seed=seed
                )
        except RobustnessError as err:
            st.error(md(err))
            return
    found = store.get(run_key)
    if found is None:
        return
    (st.success if found.found else st.info)(md(found.message))
    if found.changes:
        st.dataframe(
            pd.DataFrame(
                [
                    {"column": c, "from": eplots.format_value(a), "to": eplots.format_value(b)}
                    for c, a, b in found.changes
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.caption(f"{found.evaluations:,} candidate rows scored (seed {seed}).")
