"""Model & data: uploads, column roles and kinds, schema, model summary, data preview."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import large_data as large_data
from dashboard.compare_cache import attach_challenger
from dashboard.shared import (
    OWN_FILES,
    cached_model,
    cached_model_info,
    cached_table,
    md,
    set_workspace,
    sha256,
    through_app,
    upload_limit_mb,
    workspace,
)
from dashboard.tables import show_table, table_height
from robustness.errors import FeatureNamesRequiredError, RobustnessError, UntrustedTypesError
from robustness.formatting import class_names_text, count, parse_class_names
from robustness.io.infer import infer_schema
from robustness.models import from_predictions
from robustness.schema import ColumnKind, ColumnRoles
from robustness.workspace import build_workspace, guess_roles_with_model

through_app()

NONE = "(none)"
DATA_TYPES = ["csv", "tsv", "txt", "parquet", "pq"]
MODEL_TYPES = ["skops", "onnx", "pkl", "pickle", "joblib"]

st.title("📦 Model & data")
limit = upload_limit_mb()
st.markdown(
    "Upload a **model** and two **data files**: the *reference* data the model was validated on "
    "and the *current* data it sees now. Data: CSV (delimiter and encoding are detected) or Parquet. "
    f"Models: `.skops`, `.onnx`, or a pickle/joblib file if you allow it in the sidebar. "
    f"**Up to {limit} MB per file.** Without a model, mark the prediction column of your data. "
    "Optionally, a **challenger**: a second model compared with the first on the same rows."
)

flash = st.session_state.pop("_flash", None)
if flash:
    st.success(md(flash))
flash_error = st.session_state.pop("_flash_error", None)
if flash_error:
    st.error(md(flash_error))

# The uploaders' hints ("200MB per file • SKOPS, ONNX, PKL, PICKLE, JOBLIB") wrap instead of ending in "JO…"
# (static CSS: no user text in it).
st.markdown(
    "<style>[data-testid=stFileUploaderDropzoneInstructions] span "
    "{white-space: normal; overflow: visible; text-overflow: clip;}</style>",
    unsafe_allow_html=True,
)
c_model, c_ref, c_cur = st.columns(3)
model_file = c_model.file_uploader("Model file", type=MODEL_TYPES, key="up_model")
ref_file = c_ref.file_uploader("Reference data", type=DATA_TYPES, key="up_reference")
cur_file = c_cur.file_uploader("Current data", type=DATA_TYPES, key="up_current")
c_challenger, c_challenger_note = st.columns([1, 2])
challenger_file = c_challenger.file_uploader(
    "Challenger model (optional)",
    type=MODEL_TYPES,
    key="up_challenger",
    help="A second model for the same target (a retrained candidate, say), loaded beside the model above: the "
    "'Compare models' page tests which is better on the same rows, and Performance, Stress tests and "
    "Explainability show both. Same formats and safety rules as the model.",
)
with st.expander(large_data.TITLE, expanded=large_data.is_active()):
    large_data.render()

max_bytes = limit * 1024 * 1024


def _load_table(upload, column):
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        table = cached_table(data, sha256(data), upload.name, max_bytes)
    except RobustnessError as err:
        column.error(md(err))
        return None
    # the full name (the uploader's chip shortens long names to "referen..._final.csv")
    column.caption(md(f"✔ {upload.name}: {count(len(table.frame))} rows × {count(table.frame.shape[1])} columns"))
    for note in table.notes:
        column.caption(md(note))
    return table


def _load_model(upload, column):
    """Returns (adapter, sha, ok). ok is False when a model was given but cannot be used."""
    if upload is None:
        return None, None, True
    data = upload.getvalue()
    digest = sha256(data)
    trust_key = f"trust_{digest[:16]}"
    names_key = f"feature_names_{digest[:16]}"
    trusted = tuple(st.session_state.get(trust_key, ()))
    names = tuple(n.strip() for n in st.session_state.get(names_key, "").split(",") if n.strip()) or None
    try:
        cached_model_info(data, digest, upload.name)
        adapter = cached_model(
            data, digest, upload.name, bool(st.session_state.get("allow_pickle", False)), trusted, names
        )
    except FeatureNamesRequiredError as err:
        column.error(md(err))
        column.text_input(
            "Feature names",
            key=names_key,
            placeholder="age, income, region, …",
            help=f"The {err.width or ''} columns the model was trained on, comma-separated, in training order.",
        )
        return None, digest, False
    except UntrustedTypesError as err:
        column.error(md(err))
        column.multiselect(
            "Trust these types",
            err.types + [t for t in trusted if t not in err.types],
            key=trust_key,
            help="Each of these could run code while the model loads. Tick only the ones you expect "
            "in a model you trust (e.g. lightgbm.sklearn.LGBMClassifier).",
        )
        return None, digest, False
    except RobustnessError as err:
        column.error(md(err))
        return None, digest, False
    if trusted:
        column.multiselect("Trust these types", list(trusted), key=trust_key)
    if names_key in st.session_state:
        column.text_input("Feature names", key=names_key)
    column.caption(md(f"✔ {upload.name}: {adapter.summary().description}"))  # the uploader's chip cuts long names
    return adapter, digest, True


model, model_sha, model_ok = _load_model(model_file, c_model)
challenger, challenger_sha, _ = _load_model(challenger_file, c_challenger)  # the same path as the model's
ref = _load_table(ref_file, c_ref)
cur = _load_table(cur_file, c_cur)
any_upload = any(f is not None for f in (model_file, ref_file, cur_file))
ws = workspace()

# ---------------------------------------------------------------- what the form edits
staged = ref is not None and cur is not None
if staged:
    # Whether the model loaded is part of the key: roles guessed once it loads (types trusted, feature
    # names given) replace those guessed without it, instead of the widgets keeping "(none)".
    source_key = f"{ref.sha256[:10]}{cur.sha256[:10]}{(model_sha or '')[:10]}{'m' if model is not None else ''}"
    roles_default = guess_roles_with_model(ref.frame, model)
    kinds_default = infer_schema(ref.frame).kinds()
    source_model = model
elif ws is not None:
    if any_upload:
        st.info(
            "Upload both a reference and a current data file to analyse your own files. "
            + ("The demo stays loaded until then." if ws.scenario else "Your loaded files stay in use until then.")
        )
    ref, cur = ws.reference, ws.current
    source_key = ws.key()[:30]
    roles_default = ws.roles
    kinds_default = ws.schema.kinds()
    source_model = ws.model if (ws.model is not None and ws.model.has_model) else None
else:
    st.stop()

columns = list(ref.frame.columns)


def _pick(label: str, default: str | None, help_: str, key: str) -> str | None:
    options = [NONE] + columns
    index = options.index(default) if default in options else 0
    value = st.selectbox(label, options, index=index, key=f"{key}_{source_key}", help=help_)
    return None if value == NONE else value


st.subheader("Column roles and kinds" if staged else "Column roles and kinds of the loaded data")
r1, r2, r3, r4 = st.columns(4)
with r1:
    target = _pick("Target", roles_default.target, "The label column (optional in current data).", "role_target")
with r2:
    prediction = _pick(
        "Prediction",
        roles_default.prediction,
        "A column of predictions already in the data. Used when no model file is given.",
        "role_prediction",
    )
with r3:
    timestamp = _pick("Timestamp", roles_default.timestamp, "Used for drift and performance over time.", "role_ts")
with r4:
    id_col = _pick("ID", roles_default.id, "Identifies rows; never used as a feature.", "role_id")
probabilities = {k: v for k, v in roles_default.probabilities.items() if v in columns}
if probabilities:
    st.caption(md("Probability columns: " + ", ".join(f"{k} → {v}" for k, v in probabilities.items())))


def _numbered_classes(frame: pd.DataFrame, column: str | None) -> list | None:
    """The target's classes when they are whole numbers (0/1, 1-5, ...: a name says more), else None."""
    if column is None or column not in frame.columns:
        return None
    values = pd.to_numeric(frame[column].dropna(), errors="coerce")
    if values.empty or values.isna().any() or (values % 1 != 0).any() or values.nunique() > 20:
        return None
    return sorted(int(v) for v in values.unique())


class_names: dict[str, str] = {}
numbered = _numbered_classes(ref.frame, target)
if numbered is not None:
    known = ws.class_names if ws is not None and not staged and ws.roles.target == target else {}
    typed = st.text_input(
        "Class names (optional)",
        value=class_names_text(known),
        placeholder=", ".join(f"{v} = name" for v in numbered[:4]),
        key=f"class_names_{source_key}_{target}",
        help=f"The target '{target}' holds the numbers {', '.join(map(str, numbered[:10]))}"
        f"{'…' if len(numbered) > 10 else ''}: name them (e.g. '0 = repaid, 1 = default') and every chart and "
        "table shows the names. Left empty, the numbers are shown.",
    )
    try:
        class_names = parse_class_names(typed)
    except RobustnessError as err:
        st.warning(md(err))
    unknown = [k for k in class_names if k not in {str(v) for v in numbered}]
    if unknown:
        st.warning(md(f"Class names for values the target does not hold: {', '.join(unknown)}."))

kind_values = [k.value for k in ColumnKind]
kinds_table = pd.DataFrame(
    {"column": columns, "kind": [kinds_default.get(c, ColumnKind.CATEGORICAL).value for c in columns]}
)
edited = st.data_editor(
    kinds_table,
    column_config={
        "column": st.column_config.TextColumn("column", disabled=True),
        "kind": st.column_config.SelectboxColumn("kind", options=kind_values, required=True),
    },
    hide_index=True,
    key=f"kinds_{source_key}",
    width="stretch",
    height=table_height(len(columns)),
)
if len(columns) > 40:
    st.caption(f"{count(len(columns))} columns: {count(len(columns) - 40)} of them are below the visible part.")
kinds = dict(zip(edited["column"], edited["kind"]))

label = "Load these files" if staged else "Apply roles and kinds"
if st.button(label, type="primary", disabled=staged and not model_ok):
    roles = ColumnRoles(
        target=target, prediction=prediction, probabilities=probabilities, timestamp=timestamp, id=id_col
    )
    try:
        adapter = source_model
        if adapter is None and (prediction or probabilities):
            adapter = from_predictions(
                prediction=prediction,
                probabilities=probabilities,
                reference=ref.frame,
                target_values=ref.frame[target] if target and target in ref.frame.columns else None,
            )
        with st.spinner("Checking the data and the model…"):
            new_ws = build_workspace(
                ref,
                cur,
                roles,
                model=adapter,
                model_name=(model_file.name if staged and model_file else (ws.model_name if ws else None)),
                model_sha256=(model_sha if staged else (ws.model_sha256 if ws else None)),
                kinds=kinds,
                scenario=None if staged else (ws.scenario if ws else None),
                class_names=class_names,
            )
    except RobustnessError as err:
        st.error(md(err))
        st.caption("Nothing was changed: the previously loaded data and model are still in use.")
    else:
        # the challenger uploaded with new files, or the one loaded before when only roles and kinds change
        pair = (
            (challenger, challenger_file.name, challenger_sha)
            if staged and challenger is not None and challenger_file is not None and challenger_sha
            else (ws.challenger, ws.challenger_name, ws.challenger_sha256)
            if not staged and ws is not None and ws.has_challenger
            else None
        )
        if pair is not None and pair[0] is not None:
            try:
                new_ws = attach_challenger(new_ws, pair[0], name=str(pair[1]), sha256=str(pair[2]))
            except RobustnessError as err:
                st.session_state["_flash_error"] = (
                    f"The challenger {pair[1]} was not loaded: {err} The model and the data are loaded without it."
                )
        set_workspace(new_ws)
        if staged:
            st.session_state["_pending_scenario"] = OWN_FILES
        st.session_state["_flash"] = (
            f"Loaded {new_ws.reference.name} ({count(len(new_ws.reference.frame))} rows) and "
            f"{new_ws.current.name} ({count(len(new_ws.current.frame))} rows)"
            + (f" with model {new_ws.model_name}" if new_ws.has_model else "")
            + (f" and challenger {new_ws.challenger_name}." if new_ws.has_challenger else ".")
        )
        st.rerun()

# ---------------------------------------------------------------- a challenger beside the loaded model
ws = workspace()
if ws is None:
    st.stop()
if (
    not staged
    and challenger is not None
    and challenger_file is not None
    and challenger_sha
    and challenger_sha != ws.challenger_sha256
):
    if c_challenger_note.button("Load the challenger", type="primary", key="load_challenger"):
        try:
            with st.spinner("Checking the challenger on the loaded data…"):
                paired = attach_challenger(ws, challenger, name=challenger_file.name, sha256=challenger_sha)
        except RobustnessError as err:
            c_challenger_note.error(md(err))
            c_challenger_note.caption("Nothing was changed: the model and the data loaded before are still in use.")
        else:
            set_workspace(paired)
            st.session_state["_flash"] = (
                f"Loaded the challenger {challenger_file.name}: the 'Compare models' page compares it with "
                f"{ws.model_name or 'the model'}."
            )
            st.rerun()
    else:
        c_challenger_note.caption(
            md(f"Compare {challenger_file.name} with {ws.model_name or 'the loaded model'} on the loaded data.")
        )

# ---------------------------------------------------------------- what is loaded now
st.divider()
st.subheader("Loaded now")
if ws.model is not None:
    summary = ws.model.summary()
    st.markdown(f"**Model** ({md(ws.model_name or summary.source)}): {md(summary.description)}")
    details = {"task": summary.task.value, "source": summary.source, "estimator": summary.estimator}
    if summary.classes:
        details["classes"] = ", ".join(
            str(c) if ws.class_label(c) == str(c) else f"{c} ({ws.class_label(c)})" for c in summary.classes
        )
    if summary.feature_names:
        details["expected features"] = ", ".join(summary.feature_names)
    show_table(pd.DataFrame({"": list(details), "value": list(details.values())}), what="details")
    for note in summary.notes:
        st.caption(md(note))
else:
    st.markdown("**Model:** none. Views that need a model (stress tests, explanations) say so.")
if ws.challenger is not None:
    c_summary = ws.challenger.summary()
    st.markdown(
        f"**Challenger** ({md(ws.challenger_name or c_summary.source)}): {md(c_summary.description)}. The 'Compare "
        "models' page tests which of the two is better on the same rows; Performance, Stress tests and "
        "Explainability show both."
    )
    if st.button("Remove the challenger", key="remove_challenger"):
        set_workspace(ws.without_challenger())
        st.session_state["_flash"] = f"Removed the challenger {ws.challenger_name or ''}".rstrip() + "."
        st.rerun()

for fc in ws.feature_checks:
    if fc.extra:
        st.info(md(fc.message()))
if ws.comparison is not None and not ws.comparison.same_columns:
    st.warning(md(ws.comparison.message()))
for note in ws.notes:
    st.info(md(note))
for issue in ws.issues:
    (st.warning if issue.severity == "warning" else st.caption)(md(issue.message))

roles_shown = {k: v for k, v in ws.roles.to_dict().items() if v}
st.markdown("**Roles:** " + (", ".join(f"{k} = {md(v)}" for k, v in roles_shown.items()) if roles_shown else "none"))
show_table(
    pd.DataFrame(
        [
            {
                "column": c.name,
                "kind": c.kind.value,
                "dtype": c.dtype,
                "missing": c.missing_share,
                "distinct": c.n_unique,
                "note": c.note,
            }
            for c in ws.schema.columns
        ]
    ),
    what="columns",
    shares=("missing",),
)

PREVIEW_ROWS = 200
tab_ref, tab_cur = st.tabs(
    [
        f"Reference: {ws.reference.name} ({count(len(ws.reference.frame))} rows)",
        f"Current: {ws.current.name} ({count(len(ws.current.frame))} rows)",
    ]
)
for tab, table in ((tab_ref, ws.reference), (tab_cur, ws.current)):
    with tab:  # the data as it is (no rounding): a preview of the first rows
        st.dataframe(table.frame.head(PREVIEW_ROWS), width="stretch")
        shown = min(PREVIEW_ROWS, len(table.frame))
        st.caption(
            f"The first {count(shown)} of {count(len(table.frame))} rows; the table scrolls."
            if len(table.frame) > shown or shown > 10
            else f"All {count(shown)} rows."
        )
