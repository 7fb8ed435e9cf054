"""One writer per output folder: `.sracl.lock` holds the pid, host and command of the run writing there.

The lock file is made whole (written to a temporary file, then hard-linked into place), so a second run sees
either no lock or a complete one. A lock whose process is gone (same host, pid no longer running) is stale: it
is replaced. Taking the lock is also the first write into the folder, so a read-only or full disk shows here,
before any stage loads data.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from sracl_cli.errors import UsageError

LOCK_FILE = ".sracl.lock"
_HELD: set[Path] = set()  # locks this process holds: `sracl run` takes the semantic folder's inside its own


@contextlib.contextmanager
def holding(folders: list[Path], command: str) -> Iterator[None]:
    """Hold the lock of every folder (each once) while the block runs; exit 2 naming the holder if taken."""
    with contextlib.ExitStack() as stack:
        for folder in dict.fromkeys(folder.resolve() for folder in folders):
            stack.enter_context(_held(folder, command))
        yield


@contextlib.contextmanager
def _held(folder: Path, command: str) -> Iterator[None]:
    lock = folder / LOCK_FILE
    if lock in _HELD:
        yield
        return
    created = _missing_folders(folder)
    _acquire(lock, command)
    _HELD.add(lock)
    try:
        yield
    finally:
        _HELD.discard(lock)
        lock.unlink(missing_ok=True)
        _remove_if_empty(created)


def _missing_folders(folder: Path) -> list[Path]:
    """The folders the lock will create, deepest first: removed again when the command wrote nothing."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty: the command wrote there
            return


def _acquire(lock: Path, command: str) -> None:
    for _ in range(3):  # a stale lock is removed, then taken again; another run may win that race
        if _try_create(lock, command):
            return
        holder = read_holder(lock)
        if holder is not None and not is_stale(holder):
            raise UsageError(f"{lock.parent}: in use by {_describe(holder)}; wait for it to finish, or use another "
                             f"output.dir (if that run is gone, delete {lock})")
        lock.unlink(missing_ok=True)
    raise UsageError(f"{lock}: could not take the lock; another run keeps taking it")


def _try_create(lock: Path, command: str) -> bool:
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
              "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    tmp = lock.with_name(f"{LOCK_FILE}.{os.getpid()}.tmp")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(holder) + "\n", encoding="utf-8")
        os.link(tmp, lock)
        return True
    except FileExistsError:
        return False
    except OSError as error:
        raise UsageError(f"{lock.parent}: cannot write the run's files here ({error.strerror}); "
                         "free some space, fix its permissions, or set output.dir elsewhere") from None
    finally:
        tmp.unlink(missing_ok=True)


def read_holder(lock: Path) -> dict | None:
    """The lock's holder; None when the lock is gone or unreadable (left half-written by a crash)."""
    try:
        holder = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) and isinstance(holder.get("pid"), int) else None


def is_stale(holder: dict) -> bool:
    """True when the holder ran on this host and its process is gone; a lock from another host is never stale."""
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return _is_zombie(holder["pid"])


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _describe(holder: dict) -> str:
    return f"`{holder.get('command', '?')}` (pid {holder['pid']} on {holder.get('host', '?')}, since " \
           f"{holder.get('started', '?')})"
