"""``robustness inspect``: a model file's summary and its fit to a data file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from robustness.errors import ModelError
from robustness.io.data import LoadedTable, read_table
from robustness.io.infer import DataIssue, data_issues, infer_schema, validate_roles
from robustness.models import ModelFileInfo, ModelSummary, inspect_model_file, load_model
from robustness.schema import ColumnRoles, Schema
from robustness.workspace import FeatureCheck, check_features, guess_roles_with_model


@dataclass(frozen=True)
class InspectReport:
    file: ModelFileInfo
    model: ModelSummary
    data: LoadedTable | None = None
    roles: ColumnRoles | None = None
    schema: Schema | None = None
    features: FeatureCheck | None = None
    issues: tuple[DataIssue, ...] = ()
    model_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.model_error is None and (self.features is None or self.features.ok)

    def text(self) -> str:
        m = self.model
        lines = [
            f"Model: {self.file.name} ({self.file.format}, {self.file.n_bytes:,} bytes, "
            f"sha256 {self.file.sha256[:12]})",
            f"  {m.description}",
            f"  task: {m.task.value}",
        ]
        if m.classes:
            lines.append(f"  classes: {', '.join(map(str, m.classes))}")
        if m.feature_names:
            lines.append(f"  features ({len(m.feature_names)}): {', '.join(m.feature_names)}")
        lines += [f"  note: {n}" for n in m.notes]
        if self.data is not None:
            d = self.data
            lines.append(f"Data: {d.name} ({d.format}, {len(d.frame):,} rows x {d.frame.shape[1]} columns)")
            lines += [f"  note: {n}" for n in d.notes]
            if self.roles is not None:
                roles = {k: v for k, v in self.roles.to_dict().items() if v}
                lines.append("  roles: " + (", ".join(f"{k}={v}" for k, v in roles.items()) or "none found"))
            if self.schema is not None:
                for c in self.schema.columns:
                    extra = f" ({c.note})" if c.note else ""
                    lines.append(f"  {c.name:32s} {c.kind.value:12s} missing {c.missing_share:6.1%}{extra}")
            if self.features is not None:
                if self.features.ok and not self.features.extra:
                    lines.append("Schema check: OK, every column the model expects is present.")
                else:
                    status = "OK" if self.features.ok else "FAILED"
                    lines.append(f"Schema check: {status}. {self.features.message()}")
            if self.model_error:
                lines.append(f"Model check: FAILED. {self.model_error}")
            elif self.features is not None and self.features.ok:
                lines.append(f"Model check: OK, the model scores rows of {d.name}.")
            lines += [f"  {i.severity}: {i.message}" for i in self.issues]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        out: dict = {
            "model": {
                "file": self.file.name,
                "format": self.file.format,
                "sha256": self.file.sha256,
                **self.model.to_dict(),
            },
            "ok": self.ok,
        }
        if self.data is not None:
            out["data"] = {
                "file": self.data.name,
                "sha256": self.data.sha256,
                "rows": len(self.data.frame),
                "columns": [
                    {"name": c.name, "kind": c.kind.value, "missing_share": c.missing_share, "note": c.note}
                    for c in (self.schema.columns if self.schema else ())
                ],
                "roles": self.roles.to_dict() if self.roles else None,
                "missing_features": list(self.features.missing) if self.features else [],
                "extra_columns": list(self.features.extra) if self.features else [],
                "model_error": self.model_error,
                "issues": [{"column": i.column, "severity": i.severity, "message": i.message} for i in self.issues],
            }
        return out


def inspect_files(
    model_path: str | Path,
    *,
    data: str | Path | None = None,
    target: str | None = None,
    allow_pickle: bool = False,
    trusted_types=(),
    feature_names=None,
) -> InspectReport:
    info = inspect_model_file(model_path)
    adapter = load_model(
        model_path, allow_pickle=allow_pickle, trusted_types=trusted_types, feature_names=feature_names
    )
    summary = adapter.summary()
    if data is None:
        return InspectReport(file=info, model=summary)
    table = read_table(data)
    roles = guess_roles_with_model(table.frame, adapter)
    if target is not None:
        roles = ColumnRoles(
            target=target,
            prediction=roles.prediction if roles.prediction != target else None,
            probabilities=roles.probabilities,
            timestamp=roles.timestamp,
            id=roles.id,
        )
    validate_roles(table.frame, roles, name=table.name)
    schema = infer_schema(table.frame)
    features = check_features(adapter, table.frame, roles, dataset=table.name)
    model_error = None
    if features.ok:
        try:
            adapter.check_on(table.frame, name=table.name)
        except ModelError as err:
            model_error = str(err)
    return InspectReport(
        file=info,
        model=summary,
        data=table,
        roles=roles,
        schema=schema,
        features=features,
        issues=tuple(data_issues(table.frame, schema, name=table.name)),
        model_error=model_error,
    )
