"""Entry-point discovery: fake distributions (real dist-info folders) plus the real installed plugin."""

from __future__ import annotations

import importlib.metadata as metadata
import sys
import textwrap

import pytest

from helpers import run_cli
from sracl_cli import registry
from sracl_cli.errors import UsageError
from sracl_cli.plugin_table import plugin_rows


def _distribution(root, name, version, entry_points: str):
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return metadata.PathDistribution(info)


@pytest.fixture
def fake_plugins(tmp_path, monkeypatch):
    """Two third-party distributions: one good backbone, one whose module raises on import."""
    (tmp_path / "good_plugin.py").write_text("SPEC = 'the good spec'\n")
    (tmp_path / "broken_plugin.py").write_text("raise RuntimeError('missing native library')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    distributions = [
        _distribution(tmp_path / "a", "good-dist", "1.2.3", "[sracl.backbones]\ngood = good_plugin:SPEC\n"),
        _distribution(tmp_path / "b", "broken-dist", "0.0.1", "[sracl.backbones]\nbroken = broken_plugin:SPEC\n"),
        _distribution(tmp_path / "c", "good-dist", "1.2.3", "[sracl.backbones]\ngood = good_plugin:SPEC\n"),
        _distribution(tmp_path / "d", "other", "1.0", "[console_scripts]\nx = y:z\n"),
    ]
    monkeypatch.setattr(metadata, "distributions", lambda: iter(distributions))
    yield
    sys.modules.pop("good_plugin", None)
    sys.modules.pop("broken_plugin", None)


def test_discovers_entry_points_with_their_distribution(fake_plugins):
    found = registry.discover("backbone")
    assert list(found) == ["broken", "good"]
    good = found["good"]
    assert (good.target, good.distribution, good.version) == ("good_plugin:SPEC", "good-dist", "1.2.3")
    assert registry.load("backbone", "good") == "the good spec"
    assert registry.discover("embedder") == {}


def test_broken_plugin_is_reported_without_breaking_others(fake_plugins):
    with pytest.raises(registry.PluginImportError) as caught:
        registry.load("backbone", "broken")
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        "backbone plugin 'broken' (broken_plugin:SPEC) from distribution 'broken-dist' 0.0.1 failed to import: "
        "RuntimeError: missing native library"
    )
    assert registry.load("backbone", "good") == "the good spec"


def test_unknown_name_lists_installed(fake_plugins):
    with pytest.raises(UsageError, match=r"^unknown backbone 'x'; installed: broken, good$"):
        registry.load("backbone", "x")


def test_plugins_command_shows_every_plugin_and_import_status(fake_plugins, monkeypatch):
    assert plugin_rows() == [
        ("sracl.backbones", "broken", "broken_plugin:SPEC", "broken-dist", "0.0.1",
         "import failed: RuntimeError: missing native library"),
        ("sracl.backbones", "good", "good_plugin:SPEC", "good-dist", "1.2.3", "ok"),
    ]
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli("plugins")
    assert result.exit_code == 0
    assert "import failed: RuntimeError: missing native library" in result.stdout
    assert "good-dist" in result.stdout


def test_builtins_register_through_entry_points():
    found = {kind: registry.discover(kind) for kind in ("backbone", "dataset loader")}
    assert found["backbone"]["sasrec"].distribution == "sracl"
    assert set(found["dataset loader"]) >= {"sracl-txt", "user-seq", "recbole", "unisrec"}
    assert all(p.distribution == "sracl" for p in found["dataset loader"].values())


def test_installed_example_plugin_is_discovered():
    plugin = registry.discover("backbone").get("meanpool")
    assert plugin is not None, "install it: pip install -e plugins/sracl-example-backbone (make test does)"
    assert (plugin.distribution, plugin.target) == ("sracl-example-backbone", "sracl_example_backbone:SPEC")
    spec = plugin.load()
    assert spec.config_model().hidden == 64
