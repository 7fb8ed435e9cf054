"""sracl: SRA-CL for sequential recommendation as a recipe-driven toolkit."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sracl")  # the one place the version is written is pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
