"""What a command wrote, named at its end: the files under its output folders that are new or replaced.

Every artifact is renamed into place (`artifacts.write_atomic`), so a replaced file is a new inode: comparing
(inode, mtime) before and after the command finds exactly what it wrote, whichever stages ran or were
skipped. Files below a subfolder of a stage folder (a vector store's own files, e.g. `index/chroma/`) are
named by that subfolder; hidden files (locks, temporary files) are left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from sracl_cli import layout

Snapshot = dict[Path, tuple[int, int]]


@contextmanager
def reporting_written(console: Console, roots: Iterable[Path]) -> Iterator[None]:
    """Run the block, then print the files it wrote under `roots` (folders, or single files)."""
    roots = list(dict.fromkeys(Path(root) for root in roots))
    before = snapshot(roots)
    yield
    print_written(console, changed(before, snapshot(roots)))


def snapshot(roots: list[Path]) -> Snapshot:
    found: Snapshot = {}
    for root in roots:
        for path in _files(root):
            stat = path.stat()
            found[path] = (stat.st_ino, stat.st_mtime_ns)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[Path]:
    """The files new or replaced since `before`, in the order they were written."""
    fresh = [path for path, stamp in after.items() if before.get(path) != stamp]
    return sorted(fresh, key=lambda path: after[path][1])


def print_written(console: Console, files: list[Path]) -> None:
    groups: dict[Path, list[str]] = {}
    for path in files:
        shown = _shown(path)
        names = groups.setdefault(shown.parent, [])
        name = shown.name + ("/" if shown != path else "")
        if name not in names:
            names.append(name)
    for folder, names in groups.items():
        console.print(f"wrote {display(folder)}{os.sep}: {', '.join(names)}", markup=False, highlight=False,
                      soft_wrap=True)


def display(path: Path) -> str:
    """`path` relative to the working directory when it is below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            if not name.startswith("."):
                yield Path(folder) / name


def _shown(path: Path) -> Path:
    """The file itself, or its folder just below the stage folder (one with a manifest) it lies deeper in."""
    for below, folder in zip(path.parents, list(path.parents)[1:]):
        if (folder / layout.MANIFEST).is_file():
            return below
    return path
