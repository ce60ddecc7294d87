"""What a visitor with only a browser cannot make the server do: unpickle, talk to a scheduler of
theirs, read paths outside the data roots, fetch URLs. Each probe of the security review, replayed."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from robustness.errors import ConfigError, DataError
from robustness.scale.allowed import NotAllowedError, check_files, not_allowed_message, resolve_allowed
from robustness.scale.cluster import inspect_parquet
from robustness.settings import (
    ENV_ALLOW_PICKLE,
    ENV_DATA_ROOTS,
    ENV_MAX_TABLE_MB,
    ENV_SCHEDULER,
    ENV_URL_SCHEMES,
    ServerSettings,
    default_max_table_mb,
    load_settings,
)
from tests.app.test_pages import MODEL_DATA, errors_of, upload


# ---------------------------------------------------------------- settings
def test_defaults_allow_nothing():
    s = load_settings(env={})
    assert (s.allow_pickle, s.scheduler, s.data_roots, s.url_schemes) == (False, None, (), frozenset())
    assert s.max_table_bytes == default_max_table_mb() * 1024 * 1024
    assert not s.server_paths


def test_environment_wins_over_the_secrets_section(tmp_path):
    section = {
        "allow_pickle": True,
        "dask_scheduler": "tcp://a:1",
        "data_roots": [str(tmp_path)],
        "url_schemes": ["s3"],
        "max_table_mb": 100,
    }
    s = load_settings(env={}, section=section)
    assert (s.allow_pickle, s.scheduler, s.data_roots, s.url_schemes, s.max_table_mb) == (
        True,
        "tcp://a:1",
        (tmp_path.resolve(),),
        frozenset({"s3"}),
        100,
    )
    s = load_settings(
        env={ENV_ALLOW_PICKLE: "0", ENV_SCHEDULER: "tcp://b:2", ENV_URL_SCHEMES: "gs, s3://", ENV_MAX_TABLE_MB: "50"},
        section=section,
    )
    assert (s.allow_pickle, s.scheduler, s.url_schemes, s.max_table_mb) == (
        False,
        "tcp://b:2",
        frozenset({"gs", "s3"}),
        50,
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({ENV_ALLOW_PICKLE: "maybe"}, "true or false"),
        ({ENV_DATA_ROOTS: "/no/such/folder"}, "not a folder on this server"),
        ({ENV_URL_SCHEMES: "file"}, "may not allow 'file'"),
        ({ENV_MAX_TABLE_MB: "lots"}, "number of megabytes"),
        ({ENV_MAX_TABLE_MB: "-5"}, "positive"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


# ---------------------------------------------------------------- server-side paths
@pytest.fixture
def lake(tmp_path):
    """A data root holding Parquet files, a secret folder beside it, and symlinks out of the root."""
    import pandas as pd

    root, secret = tmp_path / "lake", tmp_path / "secret"
    (root / "ref").mkdir(parents=True)
    secret.mkdir()
    pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_parquet(root / "ref" / "part-0.parquet")
    pd.DataFrame({"ssn": ["1"], "salary": [9.0]}).to_parquet(secret / "people.parquet")
    (root / "escape").symlink_to(secret, target_is_directory=True)  # a symlinked folder
    (root / "mixed").mkdir()
    pd.DataFrame({"x": [4.0]}).to_parquet(root / "mixed" / "ok.parquet")
    (root / "mixed" / "people.parquet").symlink_to(secret / "people.parquet")  # a symlinked file
    return root, secret, ServerSettings(data_roots=(root.resolve(),))


def test_paths_inside_the_root_resolve(lake):
    root, _, s = lake
    assert resolve_allowed(str(root / "ref"), s) == str((root / "ref").resolve())
    assert resolve_allowed(str(root / "ref" / "*.parquet"), s) == str(root.resolve() / "ref" / "*.parquet")
    layout = inspect_parquet(
        resolve_allowed(str(root / "ref"), s), "reference", check_files=lambda files: check_files(files, s)
    )
    assert layout.columns == ["x"]


@pytest.mark.parametrize(
    "probe",
    [
        "/root/.bashrc",
        "/etc/passwd",
        "/etc/*",
        "/etc/**/*.conf",
        "{secret}",
        "{secret}/people.parquet",
        "{root}/../secret",
        "{root}/escape",
        "{root}/escape/people.parquet",
        "{root}/../secret/*.parquet",
        "{root}/*/../../secret",
        "relative/path",
        ".",
        "~/x",
        "file:///etc/passwd",
        "file://{secret}",
        "webhdfs://127.0.0.1:50070/data",
        "http://169.254.169.254/latest/meta-data",
        "memory://x",
        "simplecache::file:///etc/passwd",
        "s3://bucket/x",
        "",
    ],
)
def test_every_probe_gets_the_same_message(lake, probe):
    root, secret, s = lake
    path = probe.format(root=root, secret=secret)
    with pytest.raises(NotAllowedError) as err:
        resolve_allowed(path, s)
    assert str(err.value) == not_allowed_message(s)
    assert str(secret) not in str(err.value) and "exist" not in str(err.value)


def test_a_symlink_inside_a_folder_is_refused_before_any_file_is_opened(lake, monkeypatch):
    root, _, s = lake
    opened = []
    import robustness.scale.cluster as cluster

    real = cluster._footer
    monkeypatch.setattr(cluster, "_footer", lambda fs, path, name: opened.append(path) or real(fs, path, name))
    for path in (root / "mixed", root / "mixed" / "*.parquet", root / "*" / "*.parquet"):
        with pytest.raises(NotAllowedError):
            inspect_parquet(resolve_allowed(str(path), s), "reference", check_files=lambda files: check_files(files, s))
    assert opened == []


def test_urls_need_their_scheme_allowed(lake):
    root, _, s = lake
    allowed = ServerSettings(data_roots=s.data_roots, url_schemes=frozenset({"s3"}))
    assert resolve_allowed("s3://bucket/ref/", allowed) == "s3://bucket/ref/"
    for url in ("gs://bucket/x", "simplecache::file:///etc/passwd", "s3://b/x::file:///etc"):
        with pytest.raises(NotAllowedError):
            resolve_allowed(url, allowed)
    assert "s3://" in not_allowed_message(allowed)


def test_no_roots_means_no_server_paths(lake):
    root, _, _ = lake
    with pytest.raises(NotAllowedError, match=ENV_DATA_ROOTS):
        resolve_allowed(str(root / "ref"), ServerSettings())


# ---------------------------------------------------------------- the app
class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_pickle_toggle_absent_and_a_forced_opt_in_ignored(app, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_ALLOW_PICKLE, raising=False)
    app.run()
    assert not [t for t in app.toggle if "pickle" in t.label.lower()]
    app.session_state["allow_pickle"] = True  # what a visitor could at most send
    sentinel = tmp_path / "pwned"
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "evil.pkl", pickle.dumps(_Evil(sentinel)))
    assert "pickle" in errors_of(app).lower()
    assert not sentinel.exists()


def test_pickle_toggle_appears_when_the_server_allows_it(app, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_ALLOW_PICKLE, "1")
    app.run()
    (toggle,) = [t for t in app.toggle if "pickle" in t.label.lower()]
    assert not toggle.value and ENV_ALLOW_PICKLE in toggle.help
    sentinel = tmp_path / "pwned"
    app.switch_page(MODEL_DATA).run()
    upload(app, "Model file", "evil.pkl", pickle.dumps(_Evil(sentinel)))
    assert not sentinel.exists()  # allowed by the server, not yet by the visitor
    toggle = [t for t in app.toggle if "pickle" in t.label.lower()][0]
    toggle.set_value(True).run()
    assert sentinel.exists()  # the operator allowed it and the visitor opted in: it loads (and runs)


def test_no_scheduler_field_anywhere(app, monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_DATA_ROOTS, str(tmp_path))
    for page in ("pages/overview.py", MODEL_DATA):
        app.switch_page(page).run()
        assert app.text_input or page != MODEL_DATA
        assert not [t for t in app.text_input if "scheduler" in t.label.lower() or "tcp://" in (t.placeholder or "")]


def test_a_page_error_shows_a_reference_not_a_traceback(app, monkeypatch, caplog):
    import robustness.overview as overview

    def boom(ws):
        raise KeyError("secret internal detail")

    monkeypatch.setattr(overview, "summarize", boom)
    import dashboard.shared as shared
    from dashboard import snapshot

    monkeypatch.setattr(snapshot, "load", lambda scenario: None)  # the live page, not the demo's snapshot
    shared.cached_overview.clear()  # the app fixture's first run summarised already
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    text = errors_of(app)
    assert "unexpected error (KeyError)" in text and "reference" in text
    assert "secret internal detail" not in text and "Traceback" not in text
    assert "secret internal detail" in caplog.text  # the log has it


def test_the_app_never_runs_with_tracebacks_shown():
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["address"] == "127.0.0.1"


def test_the_local_cluster_listens_on_this_machine_only():
    from robustness.scale import connect, shutdown

    client = connect(workers=1, processes=True)
    try:
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert client.dashboard_link.startswith("http://127.0.0.1:")
        workers = client.scheduler_info()["workers"]
        assert workers and all(w.startswith("tcp://127.0.0.1:") for w in workers)
    finally:
        shutdown(client)


def test_data_error_reaches_the_page_as_its_message(app, monkeypatch):
    """A RobustnessError escaping a page is shown as written (it is for the user), still without traceback."""
    import dashboard.shared as shared
    import robustness.overview as overview
    from dashboard import snapshot

    def bad(ws):
        raise DataError("The current file has no rows.")

    monkeypatch.setattr(overview, "summarize", bad)
    monkeypatch.setattr(snapshot, "load", lambda scenario: None)  # the live page, not the demo's snapshot
    shared.cached_overview.clear()
    app.switch_page("pages/overview.py").run()
    assert "The current file has no rows." in errors_of(app)
    assert "reference" not in errors_of(app)
