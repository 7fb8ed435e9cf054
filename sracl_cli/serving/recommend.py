"""Top-k items for queries (a user of the dataset, or a new history of item ids), ranked in batches.

Scores are evaluation's (`evaluation.ranking.all_item_scores`: every item, padding never), so with
`exclude_seen=False` a user's top k is exactly what `sracl eval` counts. A history longer than `data.max_len`
keeps its most recent items, as every training and evaluation window does; `exclude_seen` hides every item of
the whole history. Item ids the dataset does not know are left out of the history and returned with the
result (`unknown`), for the caller to report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from sracl_cli.data.split import left_padded_windows
from sracl_cli.errors import UsageError
from sracl_cli.evaluation.ranking import all_item_scores

if TYPE_CHECKING:
    from sracl_cli.serving.run_loader import Run


@dataclass(frozen=True)
class Query:
    key: str  # names the query in the output: its `id`, its user, or its line
    user: str | None = None  # a user id of the dataset: its whole sequence is the history
    history: list[str] | None = None  # item ids, oldest first
    where: str = ""  # where it was read, for messages: `in.jsonl:3`, `--user`


@dataclass
class Result:
    query: Query
    rows: list[dict[str, Any]]  # {"rank", "item", "title", "score"}, best first
    unknown: list[str] = field(default_factory=list)  # history ids the dataset does not know (left out)


def check_k(run: Run, k: int) -> None:
    if not 0 < k <= run.data.n_items:
        raise UsageError(f"-k: {k} is not between 1 and the {run.data.n_items:,} items of {run.data.name}")


def recommend_stream(run: Run, queries: Iterable[Query], k: int, exclude_seen: bool) -> Iterator[list[Result]]:
    """The results of `queries`, one list per batch of `eval.batch_size` queries."""
    check_k(run, k)
    iterator = iter(queries)
    while batch := list(islice(iterator, run.batch_size)):
        yield recommend_queries(run, batch, k, exclude_seen)


def recommend_queries(run: Run, queries: list[Query], k: int, exclude_seen: bool) -> list[Result]:
    check_k(run, k)
    histories, unknown = zip(*(_history(run, query) for query in queries))
    ranked = [i for i, history in enumerate(histories) if len(history)]  # an empty history has nothing to go on
    results = [Result(query, [], list(missing)) for query, missing in zip(queries, unknown)]
    if ranked:
        indices, scores = top_items(run, [histories[i] for i in ranked], k, exclude_seen)
        for i, row_items, row_scores in zip(ranked, indices, scores):
            results[i].rows = _rows(run, row_items, row_scores)
    return results


@torch.no_grad()
def top_items(run: Run, histories: list[np.ndarray], k: int, exclude_seen: bool) -> tuple[np.ndarray, np.ndarray]:
    """Item indices and scores [B, k] of the best items after each (non-empty) history of item indices."""
    lengths = np.array([len(history) for history in histories], dtype=np.int64)
    flat = np.concatenate(histories).astype(np.int64)
    ends = np.cumsum(lengths)
    inputs = left_padded_windows(flat, ends - lengths, ends, run.max_len)
    scores = all_item_scores(run.model, torch.from_numpy(inputs).to(run.device), run.item_table)
    if exclude_seen:
        rows = torch.from_numpy(np.repeat(np.arange(len(histories)), lengths)).to(run.device)
        scores[rows, torch.from_numpy(flat).to(run.device)] = float("-inf")
    top = scores.topk(k, dim=1)
    return top.indices.cpu().numpy(), top.values.float().cpu().numpy()


def _history(run: Run, query: Query) -> tuple[np.ndarray, list[str]]:
    if query.user is not None:
        row = run.user_row.get(query.user)
        if row is None:
            raise unknown_user(run, query)
        return run.data.sequence(row), []
    known = [run.item_index.get(item) for item in query.history or []]
    unknown = [item for item, index in zip(query.history or [], known) if index is None]
    return np.array([index for index in known if index is not None], dtype=np.int64), unknown


def _rows(run: Run, indices: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    """Rows best first; items hidden by exclude_seen (score -inf) are not recommendations."""
    return [{"rank": rank, "item": run.data.item_ids[index], "title": run.titles[index], "score": float(score)}
            for rank, (index, score) in enumerate(zip(indices.tolist(), scores.tolist()), start=1)
            if score != float("-inf")]


def unknown_user(run: Run, query: Query) -> UsageError:
    return UsageError(f"{query.where or 'user'}: {query.user!r} is not a user of {run.data.name} "
                      "(give a new user's items as a history)")
