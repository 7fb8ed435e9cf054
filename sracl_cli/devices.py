"""The torch device a recipe asks for (`train.device`), checked against what this torch build can use."""

from __future__ import annotations

import torch

from sracl_cli.errors import UsageError


def pick_device(choice: str, key: str = "train.device") -> torch.device:
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    problem = cuda_problem(choice) if choice.startswith("cuda") else None
    if problem:
        raise UsageError(f"{key}: {problem}")
    return torch.device(choice)


DEFAULT_THREADS = 1


def set_threads(threads: int | None) -> int:
    """torch's intra-op CPU threads: `train.threads`, else one.

    One by default because torch's own choice (every core) gave different losses from run to run on a loaded
    machine and ran several times slower there; a fixed count gives the same numbers every run.
    """
    count = threads or DEFAULT_THREADS
    torch.set_num_threads(count)
    return count


def cuda_problem(device: str) -> str | None:
    """Why this torch cannot use `device` ("cuda" or "cuda:N"), or None."""
    index = device.partition(":")[2]
    if not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        return f"'{device}', but torch {torch.__version__} ({build}) sees no CUDA device; use \"cpu\" or \"auto\""
    count = torch.cuda.device_count()
    if index and (not index.isdigit() or int(index) >= count):
        return f"'{device}', but torch sees {count} CUDA device(s): cuda:0 to cuda:{count - 1}"
    return None
