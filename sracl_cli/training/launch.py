"""Whether torchrun started this process, and as which rank; no torch import (the CLI asks before any command).

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE in every process it starts (with the rendezvous in
MASTER_ADDR/MASTER_PORT); training/distributed.py joins the process group from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sracl_cli.errors import UsageError

ENV = ("RANK", "LOCAL_RANK", "WORLD_SIZE")
TORCHRUN_COMMANDS = ("train",)  # the others run in one process (embed/index would buy LLM calls once per rank)


@dataclass(frozen=True)
class Launch:
    """This process's place among torchrun's processes."""

    rank: int
    local_rank: int  # the rank on this node: which GPU it drives
    world_size: int


def torchrun_launch() -> Launch | None:
    """torchrun's environment for this process; None when torchrun did not start it."""
    if not all(name in os.environ for name in ENV):
        return None
    try:
        rank, local_rank, world_size = (int(os.environ[name]) for name in ENV)
    except ValueError:
        raise UsageError("torchrun environment: RANK, LOCAL_RANK and WORLD_SIZE must be integers "
                         f"(got {', '.join(os.environ[name] for name in ENV)})") from None
    return Launch(rank, local_rank, world_size)


def refuse_torchrun(command: str) -> None:
    """Exit 2 when torchrun started a command that runs in one process only."""
    launch = torchrun_launch()
    if launch is not None and launch.world_size > 1 and command not in TORCHRUN_COMMANDS:
        raise UsageError(f"`sracl {command}` runs in one process: start it without torchrun (torchrun runs "
                         f"`sracl {' / '.join(TORCHRUN_COMMANDS)}`; run embed and index first, once)")
