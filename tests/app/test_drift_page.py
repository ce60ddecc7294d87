"""The 'Data quality & drift' page on every demo and without a model."""

import pytest

from tests.app.test_pages import metrics, plain, texts

DRIFT = "pages/drift.py"
SECTIONS = ["Columns", "Data quality", "Multivariate", "Predictions & target", "Over time", "Does it matter?", "Export"]


def open_drift(app, scenario=None):
    if scenario:
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    app.switch_page(DRIFT).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def section(app, name):
    app.segmented_control(key="drift_section").set_value(name).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_credit_story_is_flagged(app):
    open_drift(app)
    body = texts(app)
    m = metrics(app)
    n_drifted, n_cols = (int(x) for x in m["Columns drifted"].split(" of "))
    assert n_cols == 11 and 2 <= n_drifted <= 4
    drifted_block = next(md.value for md in app.markdown if "Drifted columns" in md.value)
    assert "income" in drifted_block and "employment" in drifted_block
    for untouched in ("age", "region", "loan_term_months", "num_open_accounts", "has_cosigner"):
        assert f"**{untouched}**" not in plain(drifted_block)
    # the model relies on the drifted columns: said in plain words
    assert "relies on drifted columns income" in body


@pytest.mark.parametrize("name", SECTIONS)
def test_every_section_renders_on_credit(app, name):
    open_drift(app)
    section(app, name)
    body = texts(app)
    if name == "Multivariate":
        assert "ROC AUC" in metrics(app) and float(metrics(app)["ROC AUC"]) > 0.6
        assert "PCA reconstruction error" in body
    if name == "Data quality":
        assert "gig-economy" in body
    if name == "Predictions & target":
        assert "outputs have drifted" in body
    if name == "Over time":
        assert "change point" in body.lower() or "ADWIN" in body
    if name == "Does it matter?":
        assert "income" in body
    if name == "Export":
        assert [b for b in app.button if b.label == "Build the Evidently report"]


@pytest.mark.parametrize("scenario", ["energy", "machines"])
def test_other_demos(app, scenario):
    open_drift(app, scenario)
    body = texts(app)
    story = {"energy": ("outdoor_temp_c", "floor_area_m2"), "machines": ("vibration_mm_s",)}[scenario]
    drifted_block = next(md.value for md in app.markdown if "Drifted columns" in md.value)
    for col in story:
        assert col in plain(drifted_block), drifted_block
    for name in ("Predictions & target", "Does it matter?"):
        section(app, name)
    assert body


def test_evidently_export_from_the_page(app):
    open_drift(app)
    section(app, "Export")
    (b,) = [b for b in app.button if b.label == "Build the Evidently report"]
    b.click().run()
    assert not app.exception, [e.value for e in app.exception]
    labels = [d.label for d in app.get("download_button")]
    assert "Download Evidently HTML" in labels and "Download Evidently JSON" in labels


def test_plain_words_hide_test_names_and_technical_shows_them(app):
    open_drift(app)
    block = next(m.value for m in app.markdown if "Drifted columns" in m.value)
    assert "income" in block and "(ks," not in block and "effect 0." not in block  # plain words by default
    detail = " ".join(m.value for m in app.markdown)
    assert "p-value" not in detail and "Changed between reference and current" in detail
    app.segmented_control(key="plain_words").set_value("Technical").run()
    block = next(m.value for m in app.markdown if "Drifted columns" in m.value)
    assert "(ks_bf, effect" in block
    assert "p-value" in " ".join(m.value for m in app.markdown)
    # the results table shows all 11 columns' rows at once (no scrolling needed up to 40 rows)
    from dashboard.drift_views import table_height

    assert table_height(11) == 38 + 35 * 11 and table_height(500) == table_height(40)


def _drifted_block(app) -> str:
    return plain(next(md.value for md in app.markdown if "Drifted columns" in md.value))


def test_practical_thresholds_are_settings_and_change_the_verdict(app):
    """The rule's effect thresholds (not the retired large_sample) are on the page, in user units, and
    applying one changes the verdict: debt_to_income moved by 0.13 SD, so a 0.2 SD line clears it."""
    open_drift(app)
    labels = {n.label: n for n in app.number_input}
    assert not [label for label in labels if "rows" in label.lower()]  # no "distance tests from N rows"
    assert labels["Mean shift (SD)"].value == 0.05 and labels["Spread ratio (×)"].value == 1.1
    assert labels["Share change (points)"].value == 2.5 and labels["New category (% of values)"].value == 0.5
    assert labels["Text content (AUC)"].value == 0.53
    assert "standard deviations" in labels["Mean shift (SD)"].help
    before = metrics(app)["Columns drifted"]
    assert "debt_to_income" in _drifted_block(app)
    app.number_input(key="drift_min_shift_sd").set_value(0.2)
    (apply,) = [b for b in app.button if b.label == "Apply settings"]
    apply.click().run()
    assert not app.exception, [e.value for e in app.exception]
    block = _drifted_block(app)
    assert "debt_to_income" not in block and "income" in block  # income moved 0.51 SD: still drifted
    n_before, n_after = (int(m.split(" of ")[0]) for m in (before, metrics(app)["Columns drifted"]))
    assert n_after == n_before - 1
    # shares in points and percent: with 20 of each needed, the new 'gig-economy' (11.6 %) no longer counts
    app.number_input(key="drift_min_new_category_share").set_value(20.0)
    app.number_input(key="drift_min_share_change").set_value(20.0)
    [b for b in app.button if b.label == "Apply settings"][0].click().run()
    assert "employment_type" not in _drifted_block(app)
