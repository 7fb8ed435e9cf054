"""Entry-point discovery: fake distributions (real dist-info folders) plus the real installed plugin."""

from __future__ import annotations

import importlib.metadata as metadata
import sys
import textwrap

import pytest

from helpers import run_cli
from sracl_cli import kinds, registry
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
    """Third-party distributions: a good backbone, one whose module raises on import, one exporting a wrong object."""
    (tmp_path / "good_plugin.py").write_text(
        "from pydantic import BaseModel\nfrom sracl_cli.models.protocol import BackboneSpec\n"
        "class Config(BaseModel):\n    width: int = 3\n"
        "SPEC = BackboneSpec(config_model=Config, build=lambda config, n_items, max_len: None, "
        "description='mean of nothing')\n"
    )
    (tmp_path / "broken_plugin.py").write_text("raise RuntimeError('missing native library')\n")
    (tmp_path / "wrong_plugin.py").write_text("SPEC = 'not a spec'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    distributions = [
        _distribution(tmp_path / "a", "good-dist", "1.2.3", "[sracl.backbones]\ngood = good_plugin:SPEC\n"),
        _distribution(tmp_path / "b", "broken-dist", "0.0.1", "[sracl.backbones]\nbroken = broken_plugin:SPEC\n"),
        _distribution(tmp_path / "c", "good-dist", "1.2.3", "[sracl.backbones]\ngood = good_plugin:SPEC\n"),
        _distribution(tmp_path / "d", "other", "1.0", "[console_scripts]\nx = y:z\n"),
        _distribution(tmp_path / "e", "wrong-dist", "2.0", "[sracl.backbones]\nwrong = wrong_plugin:SPEC\n"),
    ]
    monkeypatch.setattr(metadata, "distributions", lambda: iter(distributions))
    yield
    for module in ("good_plugin", "broken_plugin", "wrong_plugin"):
        sys.modules.pop(module, None)


def test_discovers_entry_points_with_their_distribution(fake_plugins):
    found = registry.discover(kinds.BACKBONE)
    assert list(found) == ["broken", "good", "wrong"]
    good = found["good"]
    assert (good.target, good.distribution, good.version) == ("good_plugin:SPEC", "good-dist", "1.2.3")
    assert registry.load(kinds.BACKBONE, "good").config_model().width == 3
    assert registry.discover(kinds.EMBEDDER) == {}


def test_broken_plugin_is_reported_without_breaking_others(fake_plugins):
    with pytest.raises(registry.PluginImportError) as caught:
        registry.load(kinds.BACKBONE, "broken")
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        "backbone plugin 'broken' (broken_plugin:SPEC) from distribution 'broken-dist' 0.0.1 failed to import: "
        "RuntimeError: missing native library"
    )
    assert registry.load(kinds.BACKBONE, "good").config_model().width == 3


def test_an_entry_point_of_the_wrong_type_is_refused_at_load(fake_plugins):
    with pytest.raises(UsageError) as caught:
        registry.load(kinds.BACKBONE, "wrong")
    assert str(caught.value) == ("backbone plugin 'wrong' (wrong_plugin:SPEC) from distribution 'wrong-dist' 2.0: "
                                 "expected a BackboneSpec, got str")


def test_a_name_declared_by_two_distributions_is_refused_naming_both(tmp_path, monkeypatch):
    (tmp_path / "good_plugin.py").write_text("SPEC = None\n")
    distributions = [
        _distribution(tmp_path / "a", "first-dist", "1.0", "[sracl.objectives]\ntwin = good_plugin:SPEC\n"),
        _distribution(tmp_path / "b", "second-dist", "1.0", "[sracl.objectives]\ntwin = good_plugin:SPEC\n"),
    ]
    monkeypatch.setattr(metadata, "distributions", lambda: iter(distributions))
    with pytest.raises(UsageError, match="objective 'twin' is declared by distribution 'first-dist' and by "
                                         "'second-dist'; uninstall one of them"):
        registry.load(kinds.OBJECTIVE, "twin")


def test_unknown_name_lists_installed(fake_plugins):
    with pytest.raises(UsageError, match=r"^unknown backbone 'x'; installed: broken, good, wrong$"):
        registry.load(kinds.BACKBONE, "x")


def test_plugins_command_shows_every_plugin_and_import_status(fake_plugins, monkeypatch):
    assert plugin_rows() == [
        ("sracl.backbones", "broken", "broken_plugin:SPEC", "broken-dist", "0.0.1", "",
         "import failed: RuntimeError: missing native library"),
        ("sracl.backbones", "good", "good_plugin:SPEC", "good-dist", "1.2.3", "mean of nothing", "ok"),
        ("sracl.backbones", "wrong", "wrong_plugin:SPEC", "wrong-dist", "2.0", "", "expected a BackboneSpec, got str"),
    ]
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli("plugins")
    assert result.exit_code == 0
    assert "import failed: RuntimeError: missing native library" in result.stdout
    assert "good-dist" in result.stdout


def test_builtins_register_through_entry_points():
    found = {kind.label: registry.discover(kind) for kind in kinds.KINDS}
    assert found["backbone"]["sasrec"].distribution == "sracl"
    assert set(found["dataset loader"]) >= {"sracl-txt", "user-seq", "recbole", "unisrec"}
    assert set(found["objective"]) >= {"none", "sracl", "cl4srec", "duorec"}
    assert all(p.distribution == "sracl" for p in found["dataset loader"].values())
    for kind in kinds.KINDS:  # every built-in loads and passes its kind's check
        for plugin in found[kind.label].values():
            if plugin.distribution == "sracl":
                assert isinstance(plugin.load(), kind.spec_type)


def test_installed_example_plugin_is_discovered():
    plugin = registry.discover(kinds.BACKBONE).get("meanpool")
    assert plugin is not None, "install it: pip install -e plugins/sracl-example-backbone (make test does)"
    assert (plugin.distribution, plugin.target) == ("sracl-example-backbone", "sracl_example_backbone:SPEC")
    spec = plugin.load()
    assert spec.config_model().hidden == 64
