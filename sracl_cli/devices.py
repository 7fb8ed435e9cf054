"""The torch device a recipe asks for (`train.device`), checked against what this torch build can use."""

from __future__ import annotations

import torch

from sracl_cli.errors import UsageError


def pick_device(choice: str) -> torch.device:
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise UsageError(
            "train.device: 'cuda' asked for, but this torch build sees no CUDA device; use 'cpu' or 'auto'"
        )
    return torch.device(choice)
