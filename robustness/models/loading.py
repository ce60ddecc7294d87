"""Safe model intake: skops (audited types), ONNX, and pickle only when the user allows it.

Nothing in an untrusted file executes: the format is decided from the name and the
bytes; a pickle is refused unless ``allow_pickle=True``; a .skops file is loaded only
after every type it holds is trusted (by the default rule or by the user).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickletools
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Literal

from robustness.errors import ModelError, PickleRefusedError, UntrustedTypesError
from robustness.models.base import ModelAdapter, _cap
from robustness.models.sklearn import from_estimator

__all__ = [
    "MODEL_SUFFIXES",
    "ModelFileInfo",
    "ModelFormat",
    "default_trusted",
    "inspect_model_file",
    "load_model",
    "sniff_model_format",
]

ModelFormat = Literal["skops", "onnx", "pickle"]

MODEL_SUFFIXES: dict[str, ModelFormat] = {
    ".skops": "skops",
    ".onnx": "onnx",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "pickle",
    ".sav": "pickle",
}
_TRUSTED_PACKAGES = ("sklearn", "numpy", "scipy")
# joblib's compressed files start with these (zlib, gzip, bz2, lzma, xz, lz4)
_COMPRESSED = (b"x", b"\x1f\x8b", b"BZh", b"]\x00\x00", b"\xfd7zXZ", b'\x04"M\x18')
_NEVER_IMPORTED = {"conftest", "tests", "testing", "setup"}  # module names whose import has side effects
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_SUPPORTED = (
    ".skops (skops.io.dump), .onnx, or a pickle/joblib file (.pkl, .pickle, .joblib, .sav) if you allow pickles"
)


@dataclass(frozen=True)
class ModelFileInfo:
    name: str
    format: ModelFormat
    sha256: str
    n_bytes: int
    untrusted_types: tuple[str, ...] = ()  # skops only: types NOT trusted by the default rule

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "sha256": self.sha256,
            "n_bytes": self.n_bytes,
            "untrusted_types": list(self.untrusted_types),
        }


def sniff_model_format(data: bytes, name: str) -> ModelFormat:
    """ "skops", "onnx" or "pickle", from the extension, else from the bytes.

    Bytes that are unmistakably a pickle (or a skops archive) win over the extension,
    so a pickle renamed to ``.skops`` or ``.onnx`` is still refused as a pickle.
    """
    content = _content_format(data)
    by_suffix = MODEL_SUFFIXES.get(PurePath(name).suffix.lower())
    if content is not None:
        return content
    if by_suffix is not None:
        return by_suffix
    if _is_onnx(data):
        return "onnx"
    raise ModelError(
        f"{_cap(name)} is not a model file this app can read. Supported formats: {_SUPPORTED}. "
        "Save the model with skops.io.dump(model, 'model.skops') or export it to ONNX."
    )


def inspect_model_file(source: bytes | str | os.PathLike, name: str | None = None) -> ModelFileInfo:
    """Name, format, hash, size and (for skops) the types not trusted by default; executes nothing."""
    data, name = _read(source, name)
    fmt = sniff_model_format(data, name)
    untrusted: tuple[str, ...] = ()
    if fmt == "skops":
        untrusted = tuple(default_trusted(_skops_types(data, name))[1])
    return ModelFileInfo(
        name=name, format=fmt, sha256=hashlib.sha256(data).hexdigest(), n_bytes=len(data), untrusted_types=untrusted
    )


def default_trusted(types: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split skops type names into (trusted by default, untrusted).

    Trusted by default: a class or NumPy ufunc that lives in sklearn, numpy or scipy
    (checked by importing that module and looking the name up). Everything else,
    including other functions of those packages, needs the user's consent.
    """
    trusted: list[str] = []
    untrusted: list[str] = []
    for t in types:
        (trusted if _is_default_trusted(t) else untrusted).append(t)
    return trusted, untrusted


def load_model(
    source: bytes | str | os.PathLike,
    name: str | None = None,
    *,
    allow_pickle: bool = False,
    trusted_types: Iterable[str] = (),
    feature_names: Sequence[str] | None = None,
    max_weight_bytes: int | None = None,
) -> ModelAdapter:
    """Load a model file into a :class:`ModelAdapter`.

    ``feature_names`` (training columns in order) is used only when the file does not record
    them, e.g. an ONNX graph with one [rows, k] input or an estimator fitted on an array.
    ``max_weight_bytes``: the most memory an ONNX model's weights may need (None: the table
    budget, ``ROBUSTNESS_MAX_TABLE_MB``); ONNX files naming external data are always refused.
    """
    data, name = _read(source, name)
    fmt = sniff_model_format(data, name)
    if fmt == "onnx":
        from robustness.models.onnx import OnnxAdapter

        return OnnxAdapter(data, feature_names=feature_names, name=name, max_weight_bytes=max_weight_bytes)
    if isinstance(trusted_types, str):
        trusted_types = [trusted_types]
    if fmt == "skops":
        obj = _load_skops(data, name, set(trusted_types))
    else:
        obj = _load_pickle(data, name, allow_pickle)
    if not callable(getattr(obj, "predict", None)):
        raise ModelError(
            f"{_cap(name)} holds a {type(obj).__module__}.{type(obj).__name__}, not a model: it has no "
            "predict method. Save the fitted estimator or Pipeline itself (the object you call "
            ".predict on)."
        )
    return from_estimator(obj, source=fmt, feature_names=feature_names)


# -- formats ------------------------------------------------------------------------------


def _load_skops(data: bytes, name: str, accepted: set[str]) -> Any:
    import skops.io as sio

    types = _skops_types(data, name)
    default, _ = default_trusted(types)
    refused = [t for t in types if t not in accepted and t not in default]
    if refused:
        listed = ", ".join(refused)
        raise UntrustedTypesError(
            f"{_cap(name)} holds types that are not trusted by default: {listed}. Loading them may run their "
            "code, so the model was not loaded. If you trust this file and where it came from, accept "
            'the types: in the app, tick them in the "Trust these types" list; in the CLI, pass '
            f"--trust TYPE for each (e.g. --trust {refused[0]}).",
            types=refused,
        )
    try:
        return sio.loads(data, trusted=[t for t in types if t in accepted or t in default])
    except ImportError as exc:
        raise ModelError(
            f"{_cap(name)} needs a Python package that is not installed: {exc}. Install it, or "
            "export the model to ONNX."
        ) from exc
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ) as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _damaged_skops(name, exc) from exc


def _skops_types(data: bytes, name: str) -> list[str]:
    import skops.io as sio

    try:
        return list(sio.get_untrusted_types(data=data))
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, zlib.error, NotImplementedError) as exc:
        raise _damaged_skops(name, exc) from exc


def _damaged_skops(name: str, exc: BaseException) -> ModelError:
    return ModelError(
        f"{_cap(name)} is damaged or truncated and cannot be read as a skops file ({exc}). "
        "Re-export it with skops.io.dump(model, 'model.skops') and upload the complete file."
    )


def _load_pickle(data: bytes, name: str, allow_pickle: bool) -> Any:
    if not allow_pickle:
        raise PickleRefusedError(
            f"{_cap(name)} is a pickle (or joblib) file. Loading a pickle runs code stored in the file, so it "
            'was refused. Re-save the model with skops.io.dump(model, "model.skops") or export it to '
            'ONNX; or, if you trust this file, enable "Allow pickle files I trust" in the sidebar or '
            "pass --allow-pickle to the CLI."
        )
    import pickle

    import joblib

    try:
        return joblib.load(io.BytesIO(data))
    except ImportError as exc:
        raise ModelError(
            f"{_cap(name)} needs a Python package that is not installed: {exc}. Install it, or "
            "re-save the model with skops."
        ) from exc
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, AttributeError, zlib.error) as exc:
        raise ModelError(
            f"{_cap(name)} could not be unpickled ({type(exc).__name__}: {exc}). The file may be "
            "damaged, or was saved with other package versions; re-save it with skops.io.dump "
            "in the environment that trained it."
        ) from exc


def _content_format(data: bytes) -> ModelFormat | None:
    """ "skops" or "pickle" when the bytes say so unmistakably; None otherwise. Executes nothing."""
    if data[:4] == b"PK\x03\x04":
        try:
            if "schema.json" in zipfile.ZipFile(io.BytesIO(data)).namelist():
                return "skops"
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):
            return "skops"  # a damaged archive: reported as a damaged skops file
        return None
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        return "pickle"
    if data.startswith(_COMPRESSED[1:]) or (data[:1] == b"x" and data[1:2] in (b"\x01", b"^", b"\x9c", b"\xda")):
        return "pickle"  # joblib-compressed (zlib's second byte checked: a lone "x" is too common)
    return "pickle" if _is_text_pickle(data) else None


def _is_text_pickle(data: bytes) -> bool:
    """Protocol 0/1 pickles: parse the opcodes (pickletools does not execute them)."""
    if not data or data[:1] not in b"(cdlNIFLSVt}])KJMGUTXq\x88\x89":
        return False
    try:
        ops = list(pickletools.genops(data))
    except (ValueError, UnicodeDecodeError, IndexError):
        return False
    return bool(ops) and ops[-1][0].name == "STOP"


def _is_onnx(data: bytes) -> bool:
    """Parsed, not opened: no onnxruntime session is made for a file that may not be a model."""
    from robustness.models.onnx_proto import looks_like_onnx

    return looks_like_onnx(data)


def _is_default_trusted(type_name: str) -> bool:
    parts = type_name.split(".")
    if not _DOTTED.match(type_name) or parts[0] not in _TRUSTED_PACKAGES:
        return False
    if any(p.startswith("__") or p in _NEVER_IMPORTED for p in parts):
        return False  # e.g. numpy.f2py.__main__ would run a program when imported
    import numpy as np

    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return isinstance(obj, type) or isinstance(obj, np.ufunc)
    return False


def _read(source: bytes | str | os.PathLike, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), name or "the uploaded model"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ModelError(f"Model file {path} does not exist. Check the path.") from exc
        except IsADirectoryError as exc:
            raise ModelError(f"{path} is a folder, not a model file. Give the path of the model file.") from exc
        except PermissionError as exc:
            raise ModelError(f"Model file {path} cannot be read (permission denied). Check its permissions.") from exc
    else:
        raise TypeError(f"load_model expects bytes or a path, not {type(source).__name__}")
    if not data:
        raise ModelError(f"{_cap(name)} is empty (0 bytes). Upload the complete model file again.")
    return data, name
