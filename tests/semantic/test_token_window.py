"""User texts longer than MiniLM's 256 tokens, on the quickstart's real users: `recent` keeps their newest whole
titles within the window, `start` leaves them to the encoder's own cut, and both count them."""

from pathlib import Path

import pytest

from sracl_cli.data.units import user_units
from sracl_cli.experiment import Experiment
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.embedders.sbert import SentenceTransformersConfig, build
from sracl_cli.semantic.prompts import user_prompts
from sracl_cli.semantic.templates import resolve_templates
from sracl_cli.semantic.token_window import count_too_long, fit_user_texts, whole_titles

QUICKSTART = Path(__file__).resolve().parents[2] / "recipes" / "quickstart.toml"


@pytest.fixture(scope="module")
def user_texts():
    recipe = load_recipe(QUICKSTART)
    exp = Experiment.from_recipe(recipe)
    units = user_units(exp.data, "user", 20)
    prompts = user_prompts(exp.data, units, "beauty products", resolve_templates(recipe.config.prompts, QUICKSTART))
    return [prompt.messages[-1]["content"] for prompt in prompts]


@pytest.fixture(scope="module")
def embedder():
    return build(SentenceTransformersConfig())


def test_recent_keeps_the_newest_whole_titles_within_the_window(user_texts, embedder):
    fitted = fit_user_texts(user_texts, embedder, "recent")
    long = [i for i, count in enumerate(embedder.token_counts(user_texts)) if count > 256]
    assert fitted.too_long == len(long) > 100  # most of the 2,000 users' 20 titles do not fit
    assert max(embedder.token_counts(fitted.texts)) <= 256
    for i in long:
        assert user_texts[i].endswith(fitted.texts[i]) and fitted.texts[i].startswith("<")
        assert len(fitted.texts[i]) < len(user_texts[i])
    short = set(range(len(user_texts))) - set(long)
    assert all(fitted.texts[i] == user_texts[i] for i in short)


def test_start_leaves_the_texts_and_counts_them(user_texts, embedder):
    fitted = fit_user_texts(user_texts, embedder, "start")
    assert fitted.texts == user_texts and fitted.too_long == count_too_long(user_texts, embedder) > 100


def test_an_embedder_without_a_token_window_gets_the_texts_unchanged(user_texts):
    fitted = fit_user_texts(user_texts, object(), "recent")
    assert fitted.texts == user_texts and fitted.too_long == 0


def test_whole_titles_starts_after_the_first_separator():
    text = "<a b>; <c d>; <e>"
    assert whole_titles(text, "b>; <c d>; <e>") == "<c d>; <e>"
    assert whole_titles(text, text) == text
