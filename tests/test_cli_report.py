"""`robustness report`: exit codes gate CI (0 pass/warn, 1 fail, 2 bad input), JSON contract, exports."""

import json
import shutil
import subprocess

import pytest

from robustness.cli import main
from robustness.report.export import find_chromium


@pytest.fixture(scope="module")
def credit(tmp_path_factory):
    d = tmp_path_factory.mktemp("credit")
    assert main(["demo", "export", str(d), "--scenario", "credit"]) == 0
    return d


def _args(d, *extra):
    return [
        "report",
        "--model",
        str(d / "model.skops"),
        "--reference",
        str(d / "reference.csv"),
        "--current",
        str(d / "current.csv"),
        *map(str, extra),
    ]


def _config(tmp_path, checks, **settings):
    p = tmp_path / "report.toml"
    lines = ["[report]", "checks = [" + ", ".join(f'"{c}"' for c in checks) + "]"]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    p.write_text("\n".join(lines) + "\n")
    return p


def test_full_report_fails_on_credit_with_exports(credit, tmp_path, capsys):
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    code = main(_args(credit, "--json", out, "--html", html))
    assert code == 1
    payload = json.loads(out.read_text())
    assert payload["verdict"] == "fail"
    assert [c["name"] for c in payload["checks"]] == [
        "Data quality",
        "Data drift",
        "Stress tests",
        "Explanation shift",
        "Performance",
        "Uncertainty",
    ]
    for c in payload["checks"]:
        assert set(c) >= {"name", "status", "summary"}
    m = payload["manifest"]
    assert m["model"]["name"] == "model.skops" and len(m["model"]["sha256"]) == 64
    assert m["reference"]["name"] == "reference.csv" and m["roles"]["target"] == "default"
    assert "Overall: FAIL" in html.read_text()
    printed = capsys.readouterr().out
    assert "FAIL" in printed and "gig-economy" in printed


@pytest.mark.parametrize(
    "checks, status, code",
    [
        (["Performance"], "pass", 0),  # accuracy fell 4.5%, under the 5% warn threshold
        (["Data drift"], "warn", 0),  # 3 of 11 columns drift, under the dataset-drift share
        (["Stress tests"], "fail", 1),
    ],
)
def test_exit_codes_gate_on_the_verdict(credit, tmp_path, capsys, checks, status, code):
    cfg = _config(tmp_path, checks)
    assert main(_args(credit, "--config", cfg, "--json", "-")) == code
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == status and [c["name"] for c in payload["checks"]] == checks


def test_thresholds_from_the_config_change_the_gate(credit, tmp_path, capsys):
    cfg = _config(tmp_path, ["Performance"], warn_degradation=0.01, fail_degradation=0.03)
    assert main(_args(credit, "--config", cfg, "--json", "-")) == 1
    assert json.loads(capsys.readouterr().out)["checks"][0]["status"] == "fail"


def test_seed_is_recorded_and_reproducible(credit, tmp_path, capsys):
    cfg = _config(tmp_path, ["Performance"])
    main(_args(credit, "--config", cfg, "--seed", 7, "--json", "-"))
    a = json.loads(capsys.readouterr().out)
    main(_args(credit, "--config", cfg, "--seed", 7, "--json", "-"))
    b = json.loads(capsys.readouterr().out)
    strip = lambda checks: [{k: v for k, v in c.items() if k != "seconds"} for c in checks]  # noqa: E731
    assert a["manifest"]["seed"] == 7 and strip(a["checks"]) == strip(b["checks"])


@pytest.mark.skipif(
    find_chromium() is None or shutil.which("pdftotext") is None,
    reason="needs Chromium and poppler-utils (make browser installs them)",
)
def test_pdf_export(credit, tmp_path):
    pdf = tmp_path / "r.pdf"
    cfg = _config(tmp_path, ["Data drift", "Performance"])
    assert main(_args(credit, "--config", cfg, "--pdf", pdf)) == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Overall: WARN" in text and "Data drift" in text


def test_bad_input_exits_2(credit, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    bad_cfg = tmp_path / "bad.json"
    bad_cfg.write_text('{"report": {"colour": "red"}}')
    corrupt = tmp_path / "model.skops"
    corrupt.write_bytes(b"not a zip")
    cases = [
        [
            "report",
            "--model",
            str(credit / "model.skops"),
            "--reference",
            str(empty),
            "--current",
            str(credit / "current.csv"),
        ],
        _args(credit, "--config", bad_cfg),
        _args(credit, "--target", "nope"),
        [
            "report",
            "--model",
            str(corrupt),
            "--reference",
            str(credit / "reference.csv"),
            "--current",
            str(credit / "current.csv"),
        ],
        [
            "report",
            "--model",
            str(credit / "model.skops"),
            "--reference",
            str(tmp_path / "missing.csv"),
            "--current",
            str(credit / "current.csv"),
        ],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("robustness: error:"), err


def test_exit_code_survives_a_reader_that_stops_early(credit):
    """`robustness report ... --json - | head -c 100`: the pipe closes early, the failing report still exits 1."""
    import sys

    cmd = [sys.executable, "-m", "robustness.cli", *_args(credit, "--json", "-")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the report is written (it takes seconds to build)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err.decode()[-2000:]
    assert b"BrokenPipe" not in err and b"Traceback" not in err


def test_report_with_a_challenger_carries_the_section(credit, tmp_path, capsys):
    """`demo export` writes the credit demo's challenger; `report --challenger` adds the section to the JSON and
    HTML (the same comparison as `robustness compare`); without --model it is bad input."""
    assert (credit / "challenger.skops").exists()
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    code = main(_args(credit, "--challenger", credit / "challenger.skops", "--json", out, "--html", html))
    assert code == 1  # the champion's own verdict still decides the exit code
    section = json.loads(out.read_text())["champion_vs_challenger"]
    assert section["verdict"] == "no_difference" and "Unit error" in section["robustness"]
    assert "Champion vs challenger" in html.read_text(encoding="utf-8")
    capsys.readouterr()
    argv = _args(credit, "--challenger", credit / "challenger.skops")
    assert main([a for i, a in enumerate(argv) if a != "--model" and argv[i - 1] != "--model"]) == 2
    assert "give the champion with --model" in capsys.readouterr().err
