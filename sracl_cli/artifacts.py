"""Run directories, atomic writes and stage manifests.

Every file a stage produces is written to a temporary sibling and renamed into place, so a crash never
leaves a half-written artifact under its real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sracl_cli import __version__
from sracl_cli.errors import UsageError
from sracl_cli.layout import MANIFEST

T = TypeVar("T")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip record can hold


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(tmp_path)` (its return value is ignored), fsync, then rename onto `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an artifact gets the mode any new file would
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, payload: Any) -> Path:
    return write_text(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def write_npy(path: Path, array) -> Path:
    import numpy as np

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:  # a handle, because np.save would append ".npy" to a path
            np.save(handle, array)

    return write_atomic(path, write)


def write_npz(path: Path, arrays: dict[str, Any]) -> Path:
    """An .npz archive whose bytes depend only on the arrays (np.savez stamps every record with the time)."""
    import numpy as np

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in arrays.items():
                with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_TIME), "w",
                                  force_zip64=True) as record:
                    np.lib.format.write_array(record, np.asanyarray(array), allow_pickle=False)

    return write_atomic(path, write)


def read_artifact(path: Path, load: Callable[[Path], T], rebuild: str) -> T:
    """`load(path)`, or exit 2 naming the file and `rebuild` (the command that makes it) when it is damaged."""
    try:
        return load(path)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, pickle.UnpicklingError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"{path}: truncated or corrupt ({reason}); {rebuild}") from None


def load_npy(path: Path):
    import numpy as np

    return np.load(path, allow_pickle=False)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(stage_dir: Path, stage: str, recipe_section: dict, inputs: list[Path], outputs: list[Path], **facts):
    """`manifest.json`: what went into a stage (recipe section, input hashes) and what came out."""
    manifest = {
        "stage": stage,
        "sracl_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "recipe": recipe_section,
        "inputs": {str(p): sha256_file(p) for p in inputs},
        "outputs": {p.name: sha256_file(p) for p in outputs},
        **facts,
    }
    return write_json(stage_dir / MANIFEST, manifest)
