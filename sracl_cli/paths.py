"""Paths written in recipes: `${ENV_VAR}` expansion, `packaged:` files, recipe-relative resolution."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, ValidationInfo

DATA_ENV = "SRACL_DATA"
PACKAGED_PREFIX = "packaged:"
_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def packaged_root() -> Path:
    """Folder of the data files shipped inside the package (the quickstart sample, ...)."""
    return Path(str(resources.files("sracl_cli") / "packaged"))


def expand_env(text: str) -> str:
    def substitute(match: re.Match) -> str:
        name = match.group(1)
        value = os.environ.get(name)
        if not value:
            hint = " (the folder holding the datasets; see README 'Data')" if name == DATA_ENV else ""
            raise ValueError(f"environment variable {name} is not set{hint}")
        return value

    return _ENV_PATTERN.sub(substitute, text)


def resolve_path(raw: str | Path, base_dir: Path | None) -> Path:
    text = expand_env(str(raw))
    if text.startswith(PACKAGED_PREFIX):
        return packaged_root() / text[len(PACKAGED_PREFIX) :]
    path = Path(text).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path.resolve()


def _validate_path(value: object, info: ValidationInfo, must_exist: bool) -> Path:
    if not isinstance(value, (str, Path)):
        raise ValueError("expected a path string")
    base_dir = (info.context or {}).get("base_dir")
    try:
        path = resolve_path(value, base_dir)
        found = path.exists() if must_exist else True
    except OSError as error:  # a name too long for the file system, ...
        raise ValueError(f"not a usable path: {error.strerror}") from None
    if not found:
        raise ValueError(f"file not found: {path}")
    return path


def _existing(value: object, info: ValidationInfo) -> Path:
    return _validate_path(value, info, must_exist=True)


def _any(value: object, info: ValidationInfo) -> Path:
    return _validate_path(value, info, must_exist=False)


# Fields of these types resolve against the recipe file's folder (pydantic context "base_dir").
InputPath = Annotated[Path, BeforeValidator(_existing)]
OutputPath = Annotated[Path, BeforeValidator(_any)]
