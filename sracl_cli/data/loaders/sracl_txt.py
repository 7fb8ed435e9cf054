"""`sracl-txt`: SRA-CL interaction files, `user item` per line (1-based ids, grouped by user, chronological).

The file's own ids are kept (item i of the file is id i) so item-text files keyed by them stay aligned.
"""

from __future__ import annotations

from pathlib import Path

from sracl_cli.data.dataset import LoaderSpec, SequenceData
from sracl_cli.data.loaders.common import (
    SequenceFileConfig,
    attach_item_tsv,
    check_item_id,
    from_integer_ids,
    int_fields,
    located,
    read_fields,
    require_interactions,
)


class SRACLTxtConfig(SequenceFileConfig):
    pass


def load(config: SRACLTxtConfig, name: str) -> SequenceData:
    user_ids, lengths, items = _read_interactions(config.path)
    data = from_integer_ids(name, [str(user) for user in user_ids], lengths, items)
    return attach_item_tsv(require_interactions(config.path, data), config)


def _read_interactions(file: Path) -> tuple[list[int], list[int], list[int]]:
    user_ids: list[int] = []
    lengths: list[int] = []
    items: list[int] = []
    seen: set[int] = set()
    for line_no, fields in read_fields(file):
        user, item = int_fields(file, line_no, fields, 2, "user item")
        check_item_id(file, line_no, item)
        if not user_ids or user != user_ids[-1]:
            if user in seen:
                reason = f"user {user} appears again after other users (lines must be grouped by user)"
                raise located(file, line_no, reason)
            seen.add(user)
            user_ids.append(user)
            lengths.append(0)
        lengths[-1] += 1
        items.append(item)
    return user_ids, lengths, items


SPEC = LoaderSpec(
    config_model=SRACLTxtConfig,
    load=load,
    description="the official SRA-CL files: one user per line, item ids in time order",
)
