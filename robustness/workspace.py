"""A workspace: the model, the reference and current data and their column roles.

This is what every view examines. ``build_workspace`` validates everything once, at
the boundary, and raises a ``RobustnessError`` whose message says what to fix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import pandas as pd

from robustness.errors import DataError, ModelError
from robustness.io.data import LoadedTable
from robustness.io.infer import (
    ColumnComparison,
    DataIssue,
    coerce_types,
    compare_columns,
    data_issues,
    infer_schema,
    validate_roles,
)
from robustness.models import ModelAdapter
from robustness.schema import ColumnKind, ColumnRoles, Schema


@dataclass(frozen=True)
class FeatureCheck:
    """The model's expected features against the columns of one dataset."""

    dataset: str
    expected: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]  # columns that are neither features nor role columns

    @property
    def ok(self) -> bool:
        return not self.missing

    def message(self) -> str:
        parts = []
        if self.missing:
            parts.append(
                f"{self.dataset} lacks {len(self.missing)} column(s) the model expects: "
                f"{_names(self.missing)}. Upload data that has them, or a model trained on these columns."
            )
        if self.extra:
            parts.append(
                f"{self.dataset} has {len(self.extra)} column(s) the model does not use: "
                f"{_names(self.extra)}. They are checked for drift but not passed to the model."
            )
        return " ".join(parts)


def _names(cols, limit: int = 12) -> str:
    cols = list(cols)
    shown = ", ".join(f"'{c}'" for c in cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "")


def check_features(
    model: ModelAdapter | None, frame: pd.DataFrame, roles: ColumnRoles, *, dataset: str
) -> FeatureCheck:
    """Compare the model's expected input columns with ``frame``'s columns."""
    expected = tuple(model.feature_names or ()) if model is not None else ()
    present = set(frame.columns)
    missing = tuple(c for c in expected if c not in present)
    role_cols = set(roles.role_columns())
    extra = tuple(c for c in frame.columns if c not in expected and c not in role_cols) if expected else ()
    return FeatureCheck(dataset=dataset, expected=expected, missing=missing, extra=extra)


@dataclass(frozen=True)
class Workspace:
    """Everything loaded for one analysis. Immutable: edits build a new one."""

    reference: LoadedTable
    current: LoadedTable
    roles: ColumnRoles
    schema: Schema  # inferred on the reference (kinds editable by the user)
    model: ModelAdapter | None = None
    model_name: str | None = None  # file name or demo name
    model_sha256: str | None = None
    scenario: str | None = None  # demo scenario name, when one is loaded
    comparison: ColumnComparison | None = None
    issues: tuple[DataIssue, ...] = ()
    feature_checks: tuple[FeatureCheck, ...] = ()
    notes: tuple[str, ...] = field(default=())
    # Class names for display (class as text -> name, e.g. {"0": "repaid", "1": "default"}): given by a demo or
    # typed on Model & data; without one a class is shown as its value. Not part of key(): names change no result.
    class_names: dict[str, str] = field(default_factory=dict)
    # An optional second model compared with ``model`` on the same rows (champion vs challenger). Set it with
    # :meth:`with_challenger` after robustness.compare.check_challenger has accepted it. Not part of key():
    # every view of the champion stays valid when a challenger comes or goes; pair_key() covers both.
    challenger: ModelAdapter | None = None
    challenger_name: str | None = None
    challenger_sha256: str | None = None

    def class_label(self, value) -> str:
        """A class as people read it: its name when one is given, else the value itself."""
        from robustness.formatting import class_label

        return class_label(value, self.class_names)

    @property
    def has_model(self) -> bool:
        return self.model is not None and self.model.has_model

    @property
    def has_predictions(self) -> bool:
        return self.model is not None

    @property
    def has_target(self) -> bool:
        return self.roles.target is not None and self.roles.target in self.reference.frame.columns

    @property
    def target_in_current(self) -> bool:
        return self.roles.target is not None and self.roles.target in self.current.frame.columns

    @property
    def has_challenger(self) -> bool:
        return self.challenger is not None and self.has_model

    def with_challenger(self, challenger: ModelAdapter, *, name: str, sha256: str) -> Workspace:
        """This workspace with ``challenger`` beside its model. Check the pair first
        (:func:`robustness.compare.check_challenger`): this only records it. ``sha256``: the challenger file's
        content hash (its views are cached under it)."""
        if not self.has_model:
            raise ModelError(
                "A challenger is compared with the loaded model, and no model file is loaded (predictions read "
                "from columns cannot be re-scored). Load the champion's model file on 'Model & data' first."
            )
        if not sha256:
            raise ModelError("A challenger needs its content hash (sha256), which keys its cached results.")
        return replace(self, challenger=challenger, challenger_name=name, challenger_sha256=sha256)

    def without_challenger(self) -> Workspace:
        return replace(self, challenger=None, challenger_name=None, challenger_sha256=None)

    def challenger_workspace(self) -> Workspace:
        """The same data, roles and kinds seen through the challenger: a workspace whose model is the challenger
        (and whose key() is the challenger's), so every view built for one model shows the challenger too."""
        if self.challenger is None or self.challenger_sha256 is None:
            raise ModelError("No challenger is loaded: load one on 'Model & data'.")
        return replace(
            self,
            model=self.challenger,
            model_name=self.challenger_name,
            model_sha256=self.challenger_sha256,
            feature_checks=(),
            challenger=None,
            challenger_name=None,
            challenger_sha256=None,
        )

    def pair_key(self) -> str:
        """Content hash of the workspace and its challenger: what a comparison of the two is cached under."""
        h = hashlib.sha256(self.key().encode())
        h.update(b"\0challenger\0")
        h.update((self.challenger_sha256 or "").encode())
        return h.hexdigest()

    def feature_columns(self) -> list[str]:
        """Columns passed to the model: the model's own list, else all non-role columns."""
        if self.model is not None and self.model.feature_names:
            return list(self.model.feature_names)
        roles = set(self.roles.role_columns())
        return [c for c in self.reference.frame.columns if c not in roles]

    def key(self) -> str:
        """Content hash of the whole workspace: data, model, roles and kinds."""
        h = hashlib.sha256()
        for part in (
            self.reference.sha256,
            self.current.sha256,
            self.model_sha256 or "",
            repr(sorted(self.roles.to_dict().items())),
            repr(sorted((k, v.value) for k, v in self.schema.kinds().items())),
        ):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()


def build_workspace(
    reference: LoadedTable,
    current: LoadedTable,
    roles: ColumnRoles,
    *,
    model: ModelAdapter | None = None,
    model_name: str | None = None,
    model_sha256: str | None = None,
    kinds: dict[str, ColumnKind | str] | None = None,
    scenario: str | None = None,
    check_model: bool = True,
    class_names: dict | None = None,
) -> Workspace:
    """Validate and assemble a workspace.

    Raises ``ConfigError`` when a declared role column is missing, ``DataError`` when
    the current data lacks columns the model needs, and ``ModelError`` when the model
    cannot predict on the data.
    """
    validate_roles(reference.frame, roles, name=reference.name)
    # Labels often arrive late: a target absent from the current data is allowed.
    current_roles = ColumnRoles(
        target=roles.target if roles.target in current.frame.columns else None,
        prediction=roles.prediction,
        probabilities=roles.probabilities,
        timestamp=roles.timestamp,
        id=roles.id,
    )
    validate_roles(current.frame, current_roles, name=current.name)
    notes: list[str] = []
    if roles.target and current_roles.target is None:
        notes.append(
            f"The target '{roles.target}' is not in {current.name}: performance on current "
            "data will be estimated without labels."
        )

    comparison = compare_columns(
        reference.frame, current.frame, reference_name=reference.name, current_name=current.name
    )
    checks = []
    if model is not None and model.feature_names:
        for table in (reference, current):
            fc = check_features(model, table.frame, roles, dataset=table.name)
            if not fc.ok:
                raise DataError(fc.message())
            checks.append(fc)
    else:
        missing = [c for c in comparison.only_in_reference if c not in roles.role_columns()]
        if missing:
            raise DataError(comparison.message())

    schema = infer_schema(reference.frame, overrides=kinds)
    # Parse date columns the model does not read (the timestamp, mostly): CSV gives text.
    model_inputs = set(model.feature_names or ()) if model is not None else set()
    dates = Schema(tuple(c for c in schema.columns if c.kind is ColumnKind.DATETIME and c.name not in model_inputs))
    if dates.columns:
        reference = replace(reference, frame=coerce_types(reference.frame, dates))
        current = replace(current, frame=coerce_types(current.frame, dates))
        parsed = {c.name for c in dates.columns}
        schema = Schema(
            tuple(
                replace(c, dtype=str(reference.frame[c.name].dtype)) if c.name in parsed else c for c in schema.columns
            )
        )
    issues = tuple(data_issues(reference.frame, schema, name=reference.name)) + tuple(
        data_issues(current.frame, schema, name=current.name)
    )
    if model is not None and check_model:
        model.check_on(reference.frame, name=reference.name)
        model.check_on(current.frame, name=current.name)

    return Workspace(
        reference=reference,
        current=current,
        roles=roles,
        schema=schema,
        model=model,
        model_name=model_name,
        model_sha256=model_sha256,
        scenario=scenario,
        comparison=comparison,
        issues=issues,
        feature_checks=tuple(checks),
        notes=tuple(notes),
        class_names={str(k): str(v) for k, v in (class_names or {}).items() if str(v).strip()},
    )


def table_from_frame(frame: pd.DataFrame, name: str) -> LoadedTable:
    """Wrap an in-memory frame (e.g. a demo's) as a ``LoadedTable`` with a content hash."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    return LoadedTable(
        frame=frame,
        name=name,
        format="memory",
        encoding=None,
        delimiter=None,
        sha256=digest.hexdigest(),
        n_bytes=int(frame.memory_usage(deep=True).sum()),
        notes=(),
    )


def guess_roles_with_model(frame: pd.DataFrame, model: ModelAdapter | None) -> ColumnRoles:
    """Column roles guessed from names and kinds, then from the model's feature list.

    When the model names its input columns and exactly one other column is left
    (not an ID, timestamp, prediction or probability column), that is the target.
    """
    from robustness.io.infer import guess_roles

    roles = guess_roles(frame)
    if roles.target is None and model is not None and model.feature_names:
        taken = set(model.feature_names) | set(roles.role_columns())
        left = [c for c in frame.columns if c not in taken]
        if len(left) == 1:
            roles = ColumnRoles(
                target=left[0],
                prediction=roles.prediction,
                probabilities=roles.probabilities,
                timestamp=roles.timestamp,
                id=roles.id,
            )
    return roles
