"""`robustness drift --reference-run ID`: a saved run's reference summaries as a later drift check's reference,
on SQLite and PostgreSQL (``db_url``); an older store is upgraded with its runs kept."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from robustness.cli import main
from robustness.history import open_store
from robustness.history.store import HEAD
from tests.history.fakes import fake_report

pytestmark = pytest.mark.slow  # the demo's trust reports (built once per session)


def _drift_json(args: list[str], out: Path) -> tuple[int, dict]:
    code = main(["drift", *args, "--engine", "memory", "--json", str(out)])
    return code, json.loads(out.read_text())


def test_a_saved_run_is_the_reference_of_a_later_drift_check(db_url, demo_reports, tmp_path, capsys):
    """The verdicts of a check with the reference file: same decision, test and skip reason per column and
    for the target; counts exact; the KS statistic with the file inside the interval the saved run states
    (written to 4 decimals: half a unit of slack)."""
    d = demo_reports["dir"]
    with open_store(db_url) as store:
        run_id = store.save(demo_reports["drifted"], project="credit")
        _, rows = store.reference(run_id)
    assert {r.column for r in rows if r.format != "none"} >= {"income", "employment_type", "default"}
    assert all(r.payload is None for r in rows if r.role not in ("feature", "target"))
    current = tmp_path / "current.csv"  # no reference file next to it: only the run store knows the reference
    shutil.copy(d / "current.csv", current)
    code_file, with_file = _drift_json(["--reference", str(d / "reference.csv"), "--current", str(current)],
                                       tmp_path / "file.json")  # fmt: skip
    code_run, with_run = _drift_json(["--reference-run", str(run_id), "--db", db_url, "--current", str(current)],
                                     tmp_path / "run.json")  # fmt: skip
    assert code_run == code_file
    out = capsys.readouterr().out
    assert f"reference.csv (run {run_id}) (reference) vs current.csv" in out
    assert [f["feature"] for f in with_run["features"]] == [f["feature"] for f in with_file["features"]]
    for got, want in zip(with_run["features"] + [with_run["target"]], with_file["features"] + [with_file["target"]]):
        assert (got["status"], got["test"], got["drifted"]) == (want["status"], want["test"], want["drifted"]), got
        if got["status"] != "ok":
            assert got["message"] == want["message"]
        elif got["kind"] in ("categorical", "boolean"):
            assert got["statistic"] == pytest.approx(want["statistic"], rel=1e-12)
            assert got["p_value"] == pytest.approx(want["p_value"], rel=1e-9)
        else:
            low, high = map(float, re.search(r"lies in \[([\d.]+), ([\d.]+)\]", got["details"]).groups())
            assert low - 5.1e-5 <= want["statistic"] <= high + 5.1e-5, (got["feature"], got["details"])
            assert got["effect"]["value"] == pytest.approx(want["effect"]["value"], rel=0.02, abs=0.01)
    assert with_run["dataset"] == with_file["dataset"]
    assert {"income", "employment_type"} <= {f["feature"] for f in with_run["features"] if f["drifted"]}


def test_a_run_that_does_not_exist_or_kept_no_summaries_is_bad_input(db_url, demo_reports, tmp_path, capsys):
    current = str(demo_reports["dir"] / "current.csv")
    text, rows = fake_report()  # a report saved from its JSON: no drift run, so no summaries
    with open_store(db_url) as store:
        bare = store.save_json(text, rows=rows, project="p")
    assert main(["drift", "--reference-run", "424242", "--db", db_url, "--current", current]) == 2
    err = capsys.readouterr().err
    assert "no run 424242" in err and "robustness runs list" in err
    assert main(["drift", "--reference-run", str(bare), "--db", db_url, "--current", current]) == 2
    err = capsys.readouterr().err
    assert (
        f"Run {bare} " in err and "kept no reference summaries" in err and "--save" in err and "--reference FILE" in err
    )
    # a reference file and a saved run at once, or options that need the reference rows: said so
    with pytest.raises(SystemExit) as exc:
        main(["drift", "--reference", current, "--reference-run", str(bare), "--current", current])
    assert exc.value.code == 2
    capsys.readouterr()
    for extra, said in (
        (["--evidently-html", str(tmp_path / "e.html")], "needs the reference rows, which a saved run does not keep"),
        (["--target", "default"], "--target: with --reference-run the column roles are the saved run's"),
    ):
        assert main(["drift", "--reference-run", str(bare), "--db", db_url, "--current", current, *extra]) == 2
        assert said in capsys.readouterr().err
    assert main(["drift", "--reference", current, "--current", current, "--db", db_url]) == 2
    assert "--db names the run store of --reference-run" in capsys.readouterr().err


def _store_at(db_url: str, revision: str) -> None:
    """A store built by an older version: the migrations up to ``revision`` only."""
    from alembic import command
    from alembic.config import Config

    import robustness.history.store as store_module

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(store_module.__file__).with_name("migrations")))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_an_older_store_is_upgraded_and_its_runs_kept(db_url, demo_reports, capsys):
    _store_at(db_url, "0001")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        assert not sa.inspect(conn).has_table("reference_summaries")
        conn.execute(
            sa.text(
                "INSERT INTO runs (project, created_at, verdict, title, report, manifest) "
                "VALUES ('old', '2025-01-01 00:00:00', 'warn', 'an old run', '{\"checks\": []}', '{}')"
            )
        )
        old = conn.execute(sa.text("SELECT id FROM runs")).scalar_one()
    engine.dispose()
    with open_store(db_url) as store:  # upgraded: the old run is there, and new runs keep their summaries
        assert [r.project for r in store.list_runs()] == ["old"] and store.get(old).summary.verdict == "warn"
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        new = store.save(demo_reports["same"], project="credit")
        assert len(store.reference(new)[1]) > 10
    current = str(demo_reports["dir"] / "current.csv")
    assert main(["drift", "--reference-run", str(old), "--db", db_url, "--current", current]) == 2
    assert "saved before they were kept" in capsys.readouterr().err
    assert main(["drift", "--reference-run", str(new), "--db", db_url, "--current", current]) == 0  # 3 of 11
    assert re.search(r"^income .* DRIFTED$", capsys.readouterr().out, re.M)
    with open_store(db_url) as store:
        store.delete(new)  # its summaries go with it
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM reference_summaries")).scalar() == 0
