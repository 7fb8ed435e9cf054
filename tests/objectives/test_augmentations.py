"""CL4SRec augmentations keep left padding, keep items from the input, and do what they say."""

import torch

from sracl_cli.objectives.augmentations import crop_view, drop_view, random_augment, reorder_view

SEQ = torch.tensor([[0, 0, 0, 0, 11, 12, 13, 14, 15, 16], [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]])


def _items(row):
    return [v for v in row.tolist() if v]


def _left_padded(view):
    real = view > 0
    return bool((real.int().diff(dim=1) >= 0).all())  # once real, stays real


def test_crop_keeps_a_contiguous_run_of_the_given_share():
    torch.manual_seed(0)
    for _ in range(20):
        view = crop_view(SEQ, 0.5)
        assert _left_padded(view)
        for original, cropped in zip(SEQ, view):
            items, kept = _items(original), _items(cropped)
            assert len(kept) == len(items) // 2
            start = items.index(kept[0])
            assert items[start : start + len(kept)] == kept


def test_drop_removes_items_and_repacks():
    torch.manual_seed(0)
    view = drop_view(SEQ, 0.5)
    assert _left_padded(view)
    for original, dropped in zip(SEQ, view):
        items, kept = _items(original), _items(dropped)
        assert 1 <= len(kept) < len(items)
        assert kept == [i for i in items if i in kept]  # order preserved
        assert kept[-1] == items[-1]


def test_reorder_permutes_only_a_contiguous_window():
    torch.manual_seed(0)
    view = reorder_view(SEQ, 0.5)
    assert _left_padded(view)
    for original, shuffled in zip(SEQ, view):
        assert sorted(_items(shuffled)) == sorted(_items(original))
        moved = [i for i, (a, b) in enumerate(zip(original.tolist(), shuffled.tolist())) if a != b]
        if moved:
            assert moved[-1] - moved[0] < len(_items(original)) // 2


def test_random_augment_is_batched_and_keeps_padding_rows_consistent():
    torch.manual_seed(0)
    batch = SEQ.repeat(128, 1)
    view = random_augment(batch, 0.6, 0.3, 0.6)
    assert view.shape == batch.shape and _left_padded(view)
    assert (view > 0).sum(1).min() >= 1
