"""A reference that is the model's own training set is pointed out: on the Performance page, near the
top, and on the Trust report page (the caveat and the Performance check's text)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.app.test_pages import MODEL_DATA, _click, plain, problems, upload, warnings_

PERFORMANCE = "pages/performance.py"
REPORT = "pages/report.py"
CAVEAT = "The reference looks like the model's training data (accuracy "
NUMBERS = re.compile(r"\(accuracy (0\.99\d?|1) on it, 0\.\d{2,3} in cross-validation\)")  # 3 significant figures
FIX = "upload a held-out validation set (rows the model never saw in training) as the reference"


def _model_trained_on(reference: pd.DataFrame) -> bytes:
    """A full-depth random forest fitted on the very rows uploaded as the reference, as a .skops file."""
    import skops.io as sio
    from sklearn.ensemble import RandomForestClassifier

    from robustness.demo import _CREDIT_CAT, _CREDIT_NUM, _pipeline

    model = _pipeline(_CREDIT_NUM, _CREDIT_CAT, RandomForestClassifier(n_estimators=25, random_state=0, n_jobs=1))
    model.fit(reference[_CREDIT_NUM + _CREDIT_CAT], reference["default"])
    return sio.dumps(model)


def _alerts_in_order(at) -> list[str]:
    boxes = [a for kind in ("error", "warning", "success", "info") for a in getattr(at, kind)]
    order = {id(node): i for i, node in enumerate(at.main)}
    return [plain(a.value) for a in sorted(boxes, key=lambda a: order.get(id(a), 1e9))]


@pytest.mark.parametrize("labelled_current", [True, False])
def test_training_set_as_reference_is_warned_about(app, exported, labelled_current):
    d = exported["credit"]
    reference = pd.read_csv(d / "reference.csv")
    current = pd.read_csv(d / "current.csv")
    if not labelled_current:
        current = current.drop(columns=["default"])
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "trained_on_reference.skops", _model_trained_on(reference))
    upload(app, "Reference data", "training.csv", (d / "reference.csv").read_bytes())
    upload(app, "Current data", "current.csv", current.to_csv(index=False).encode())
    _click(app, "Load these files")
    assert not problems(app), problems(app)

    app.switch_page(PERFORMANCE).run()
    assert not app.exception, [e.value for e in app.exception]
    shown = [w for w in map(plain, (w.value for w in app.warning)) if w.startswith(CAVEAT)]
    assert len(shown) == 1, warnings_(app)
    assert (
        NUMBERS.search(shown[0])
        and FIX in shown[0]
        and "label-free estimate and the prediction sets will be over-confident" in shown[0]
    )
    # near the top: right after the Performance and Uncertainty status lines, before the page's own content
    alerts = _alerts_in_order(app)
    assert alerts[2].startswith(CAVEAT), alerts[:3]
    assert alerts[0].startswith("**Performance:") and alerts[1].startswith("**Uncertainty:")
    # a current file without labels is normal: stated as a fact, not a warning
    assert not any("no labels" in w for w in map(plain, (w.value for w in app.warning)))

    app.switch_page(REPORT).run()
    assert not app.exception, [e.value for e in app.exception]
    caveats = [w for w in map(plain, (w.value for w in app.warning)) if w.startswith(CAVEAT)]
    assert caveats == shown  # the same sentence, once, under the verdict
    report_text = plain("\n".join(m.value for m in app.markdown))
    assert CAVEAT in report_text  # also in the Performance and Uncertainty checks' own text
