"""`user-seq`: one user per line, `user item item ...` (whitespace separated, chronological).

Integer item tokens (all in 1..10,000,000) are kept as ids, like sracl-txt; any other tokens get ids by first
appearance (item text is looked up by the token either way).
"""

from __future__ import annotations

from pathlib import Path

from sracl_cli.data.dataset import LoaderSpec, SequenceData, from_user_sequences
from sracl_cli.data.loaders.common import (
    MAX_ITEM_ID,
    SequenceFileConfig,
    attach_item_tsv,
    from_integer_ids,
    is_int,
    located,
    read_fields,
    require_interactions,
    shown,
)


class UserSeqConfig(SequenceFileConfig):
    pass


def load(config: UserSeqConfig, name: str) -> SequenceData:
    sequences = _read_sequences(config.path)
    tokens = [token for _, items in sequences for token in items]
    if all(is_int(token) and 1 <= int(token) <= MAX_ITEM_ID for token in tokens):
        lengths = [len(items) for _, items in sequences]
        data = from_integer_ids(name, [user for user, _ in sequences], lengths, [int(token) for token in tokens])
    else:
        data = from_user_sequences(name, sequences)
    return attach_item_tsv(require_interactions(config.path, data), config)


def _read_sequences(file: Path) -> list[tuple[str, list[str]]]:
    sequences: list[tuple[str, list[str]]] = []
    first_line: dict[str, int] = {}
    for line_no, (user, *items) in read_fields(file):
        if not items:
            raise located(file, line_no, f"expected a user followed by its items, got only {shown(user)}")
        if user in first_line:
            raise located(file, line_no, f"user {shown(user)} already has a line ({file.name}:{first_line[user]})")
        first_line[user] = line_no
        sequences.append((user, items))
    return sequences


SPEC = LoaderSpec(
    config_model=UserSeqConfig,
    load=load,
    description="one user per line: user key, then item keys in time order",
)
