"""Recipes: TOML → validated, fully resolved settings for every stage.

A recipe may `extends` other recipe files (merged in order, the recipe's own keys last). Validation runs in
two passes. The first checks the sections sracl owns. The second checks the keys that belong to a plugin
(in each plugin section of `kinds.KINDS`: [data], [model], [objective], [llm], [embedding], [index]) against
the chosen plugin's own pydantic model ([logging] chooses several: each one's sub-table against its model).
Every problem becomes one line `file: dotted.key: reason`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, SerializeAsAny, ValidationError, field_validator

from sracl_cli import registry
from sracl_cli.errors import UsageError
from sracl_cli.paths import OutputPath

if TYPE_CHECKING:
    from sracl_cli.registry import Kind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

METRIC_PATTERN = re.compile(r"^(hr|ndcg|mrr)@(\d+)$")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PluginSection(BaseModel):
    """A section whose extra keys belong to the plugin it names; they are checked in the second pass."""

    model_config = ConfigDict(extra="allow")

    def plugin_keys(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class DataSection(PluginSection):
    loader: str = "sracl-txt"
    max_len: int = Field(20, gt=0, description="items kept per input sequence (sliding window)")
    min_core: int = Field(0, ge=0, description="k-core filter on users and items; 0 = off")


class ModelSection(PluginSection):
    backbone: str = "sasrec"


class ObjectiveSection(PluginSection):
    name: str = Field("none", description="sracl.objectives name: none | sracl | cl4srec | duorec | ...")


class OptimizerSection(Section):
    name: Literal["adam", "adamw"] = "adam"
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = Field(1e-8, gt=0)
    schedule: Literal["constant", "cosine"] = Field(
        "constant", description="learning rate after warm-up: constant, or cosine decay to 0 at the epoch cap"
    )
    warmup_steps: int = Field(0, ge=0, description="optimizer steps of linear warm-up from 0 to lr")
    clip_norm: float | None = Field(None, gt=0, description="clip the gradient's global L2 norm to this value")

    @field_validator("betas")
    @classmethod
    def _betas_in_range(cls, betas: tuple[float, float]) -> tuple[float, float]:
        if not all(0 <= beta < 1 for beta in betas):
            raise ValueError("each beta must be in [0, 1)")
        return betas


class TrainSection(Section):
    epochs: int = Field(100, gt=0)
    batch_size: int = Field(256, gt=0)
    patience: int = Field(10, gt=0, description="epochs without validation improvement before stopping")
    seed: int = 2024
    seeds: list[int] | None = Field(
        None, min_length=1, description="train once per seed (overrides seed); summary.json holds mean ± std"
    )
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    precision: Literal["float32", "bfloat16"] = Field(
        "float32", description="bfloat16: the forward pass under torch.autocast (CPU with AVX-512 BF16, or CUDA)"
    )
    threads: int | None = Field(
        None, gt=0, description="torch CPU threads; default 1 (the only count that repeats its numbers on CPU)"
    )
    gather_negatives: bool = Field(
        True, description="under torchrun: contrastive negatives from every process's rows (false: each "
        "process's own rows, cheaper; no effect in one process)",
    )
    samples: Literal["prefix", "sequence"] = Field(
        "prefix", description="prefix: one sample per training prefix (the paper); sequence: one pass per user "
        "trains every prefix (data/sequences.py)",
    )
    window_stride: int | None = Field(
        None, gt=0, description="sequence samples: windows of a part longer than max_len end this many items "
        "apart; default max_len // 4 (each target keeps at least 3/4 of the window as context)",
    )
    batch_by: Literal["targets", "sequences"] = Field(
        "targets", description="sequence samples: batch_size counts target positions (as a prefix batch) "
        "or sequences",
    )


class EvalSection(Section):
    ks: list[int] = Field(default_factory=lambda: [5, 10, 20], min_length=1)
    mask_history: bool = False
    batch_size: int = Field(2048, gt=0)
    early_stop_metric: str = Field("mrr@10", validate_default=True)  # the default's K must be in ks too
    # Not checked to exist here: the run may not be trained yet (preflight checks it before eval).
    weights_from: OutputPath | None = Field(
        None, description="another run's directory: evaluate its weights (each seed's) under this recipe's eval "
        "settings instead of training; the recipe then has no train stage",
    )

    @field_validator("ks")
    @classmethod
    def _positive_sorted(cls, ks: list[int]) -> list[int]:
        if any(k <= 0 for k in ks):
            raise ValueError("every k must be greater than 0")
        return sorted(set(ks))

    @field_validator("early_stop_metric")
    @classmethod
    def _known_metric(cls, metric: str, info) -> str:
        match = METRIC_PATTERN.match(metric)
        if not match:
            raise ValueError("expected hr@K, ndcg@K or mrr@K")
        ks = info.data.get("ks")
        if ks is not None and int(match.group(2)) not in ks:  # None: eval.ks itself failed (its own message)
            raise ValueError(f"K must be one of eval.ks {ks}")
        return metric


class OutputSection(Section):
    dir: OutputPath | None = Field(None, description="run directory; default runs/<name> in the working directory")
    semantic_dir: OutputPath | None = Field(
        None, description="where embed/ and index/ live; default the run directory (point recipes at one to share it)"
    )


class LLMSection(PluginSection):
    """Core keys; the provider's own (model, api_base, sampling, concurrency, ...) are its config_model's."""

    provider: str = Field("passthrough", description="sracl.llm_providers name: passthrough | litellm | ...")
    item_reply_format: Literal["text", "json_object", "json_schema"] = Field(
        "text",
        description="text: item replies as the model writes them (the paper); json_object / json_schema: the "
        "request asks the server to constrain them to JSON / to the two keys the item prompt asks for",
    )
    cache: OutputPath | None = Field(None, description="SQLite response cache; default runs/llm_cache.sqlite")


class PromptsSection(Section):
    domain: str = Field("products", description="fills {domain} in the default templates")
    user_unit: Literal["prefix", "user"] = "prefix"
    item_fields: list[str] | None = Field(None, description="item text fields in the item prompt; default all")
    contexts_per_item: int = Field(5, ge=0)
    context_len: int = Field(11, gt=0)
    seed: int = 2024
    user_system: str | None = Field(None, description="override of the user system template")
    user_template: str | None = None
    item_system: str | None = None
    item_template: str | None = None


class EmbeddingSection(PluginSection):
    """Core keys; the embedder's own (model, device, dtype, api_base, ...) are its config_model's."""

    embedder: str = "sentence-transformers"
    batch_size: int = Field(256, gt=0)
    user_text_window: Literal["start", "recent"] = Field(
        "start", description="user texts longer than the encoder's token window: keep their start (the encoder's "
        "own cut; the oldest titles) or their most recent titles (semantic/token_window.py)",
    )


class IndexSection(PluginSection):
    """Core keys (neighbour rules, recall check); the store's own (url, HNSW settings, ...) are its config_model's."""

    store: str = "chroma"
    k: int = Field(10, gt=0)
    pool: Literal["train", "all"] = "train"
    exclude_same_user: bool = True
    compat: Literal["default", "official"] = "default"
    recall_sample: int = Field(1000, ge=0)


class LoggingSection(PluginSection):
    """`to` names the trackers; each one's own keys are its sub-table (`[logging.mlflow] tracking_uri = ...`)."""

    to: list[str] = Field(
        default_factory=list, description="experiment trackers (sracl.loggers) every epoch's metrics go to: "
        "tensorboard | mlflow | ...; one tracker run per seed",
    )


class PluginTables(RootModel[dict[str, SerializeAsAny[BaseModel]]]):
    """The validated configs of a section that lists several plugins (`Kind.many`), by plugin name."""


class RecipeModel(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    data: DataSection = Field(default_factory=DataSection)
    model: ModelSection = Field(default_factory=ModelSection)
    objective: ObjectiveSection = Field(default_factory=ObjectiveSection)
    optimizer: OptimizerSection = Field(default_factory=OptimizerSection)
    train: TrainSection = Field(default_factory=TrainSection)
    eval: EvalSection = Field(default_factory=EvalSection)
    output: OutputSection = Field(default_factory=OutputSection)
    llm: LLMSection = Field(default_factory=LLMSection)
    prompts: PromptsSection = Field(default_factory=PromptsSection)
    embedding: EmbeddingSection = Field(default_factory=EmbeddingSection)
    index: IndexSection = Field(default_factory=IndexSection)
    logging: LoggingSection = Field(default_factory=LoggingSection)


@dataclass(frozen=True)
class Recipe:
    """A validated recipe: sracl's sections, plus each plugin section's keys validated by the chosen plugin."""

    source: Path
    config: RecipeModel
    plugins: Mapping[str, BaseModel]  # plugin section name -> the chosen plugin's validated config

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def run_dir(self) -> Path:
        return self.config.output.dir or (Path.cwd() / "runs" / self.name).resolve()

    @property
    def semantic_dir(self) -> Path:
        """Folder holding embed/ and index/: the run directory unless several recipes share one semantic stage."""
        return self.config.output.semantic_dir or self.run_dir

    @property
    def data_params(self) -> BaseModel:
        return self.plugins["data"]

    @property
    def model_params(self) -> BaseModel:
        return self.plugins["model"]

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved recipe (defaults filled, paths absolute), as written to the run directory."""
        resolved = self.config.model_dump(mode="json", exclude_none=True)
        for section, params in self.plugins.items():
            resolved[section].update(params.model_dump(mode="json", exclude_none=True))
        resolved["output"]["dir"] = str(self.run_dir)
        return resolved

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())


# Keys of earlier sracl versions, with where they live now.
MOVED = {
    "train.objective": "objective.name",
    "train.lr": "optimizer.lr",
    "train.weight_decay": "optimizer.weight_decay",
    "sracl": '[objective] with name = "sracl"',
    "baselines": '[objective] with name = "cl4srec" or "duorec"',
}
NOT_INHERITED = (("name",), ("output", "dir"))  # a run's identity: two recipes never share a run directory


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    path = Path(path)
    raw = read_composed(path)
    raw.setdefault("name", path.stem)
    override_keys = [_apply_override(raw, text) for text in overrides or []]
    return validate_recipe(raw, path, override_keys)


def plugin_name_keys() -> dict[str, str]:
    """Plugin section -> the key that names its plugin (`[model] backbone`, `[objective] name`, ...)."""
    from sracl_cli.kinds import KINDS

    return {kind.section: kind.name_key for kind in KINDS if not kind.many}


def _switched(section: str, base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`base` for merging `top` into it: when `top` picks another plugin, the old plugin's keys go (its
    core keys stay), so a recipe that changes `[objective] name` never inherits the old objective's keys."""
    name_key = plugin_name_keys().get(section)
    if name_key is None or name_key not in top:
        return base
    core = RecipeModel.model_fields[section].annotation.model_fields  # type: ignore[union-attr]
    default = core[name_key].default
    if top[name_key] == base.get(name_key, default):
        return base
    return {key: value for key, value in base.items() if key in core}


def read_composed(path: Path, including: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The recipe's TOML with its `extends` files merged in first, in order (later files and the recipe win).

    Tables merge key by key; any other value replaces. `name` and `output.dir` are never inherited, and a
    plugin section that names another plugin than its base starts from the base's core keys only.
    """
    raw = _read_toml(path)
    bases = raw.pop("extends", [])
    if isinstance(bases, str):
        bases = [bases]
    if not isinstance(bases, list) or not all(isinstance(base, str) for base in bases):
        raise UsageError(f"{path.name}: extends: expected a recipe file name or a list of them")
    merged: dict[str, Any] = {}
    for base in bases:
        base_path = _base_path(path, base)
        if base_path in including or base_path == path.resolve():
            raise UsageError(f"{path.name}: extends: '{base}' extends itself (a cycle)")
        if not _is_file(base_path):
            raise UsageError(f"{path.name}: extends: '{base}': no such recipe file ({base_path})")
        merged = _merged(merged, _without_identity(read_composed(base_path, (*including, path.resolve()))))
    return _merged(merged, raw)


def _base_path(path: Path, base: str) -> Path:
    try:
        return (path.parent / base).resolve()
    except (OSError, ValueError) as error:  # e.g. a NUL byte, a name too long for the file system
        raise UsageError(f"{path.name}: extends: '{base}' is not a usable file name ({error})") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system
        return False


def _merged(base: dict[str, Any], top: dict[str, Any], sections: bool = True) -> dict[str, Any]:
    """`top` over `base`; at the top level (`sections`) a plugin section may switch plugins (`_switched`)."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            under = _switched(key, out[key], value) if sections else out[key]
            out[key] = _merged(under, value, sections=False)
        else:
            out[key] = value
    return out


def _without_identity(raw: dict[str, Any]) -> dict[str, Any]:
    for *sections, key in NOT_INHERITED:
        node = raw
        for section in sections:
            child = node.get(section)
            node = child if isinstance(child, dict) else {}
        node.pop(key, None)
    return raw


def validate_recipe(raw: dict[str, Any], path: Path, override_keys: Sequence[str] = ()) -> Recipe:
    from sracl_cli.kinds import KINDS

    context = {"base_dir": path.resolve().parent}
    problems = _moved_keys(raw)
    try:
        config = RecipeModel.model_validate(raw, context=context)
    except ValidationError as error:
        problems += [(key, msg) for key, msg in _problems(error) if key not in dict(problems)]
        config = None
    # Plugin keys are checked even when other sections failed, so one run reports every problem.
    plugins = {kind.section: _validate_plugin_keys(kind, raw, context, problems) for kind in KINDS}
    if problems or config is None:
        raise UsageError(*(_format_problem(path, key, msg, override_keys) for key, msg in problems))
    return Recipe(path.resolve(), config, plugins)  # type: ignore[arg-type]  # no problems: every plugin validated


def _moved_keys(raw: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for old, new in MOVED.items():
        section, _, key = old.partition(".")
        present = section in raw and (not key or (isinstance(raw[section], dict) and key in raw[section]))
        if present:
            problems.append((old, f"moved to {new}"))
    return problems


def _validate_plugin_keys(kind: Kind[Any], raw: dict[str, Any], context: dict, problems: list) -> BaseModel | None:
    section = kind.section
    section_model = RecipeModel.model_fields[section].annotation
    assert isinstance(section_model, type) and issubclass(section_model, PluginSection)
    try:
        values = section_model.model_validate(raw.get(section, {}), context=context)
    except ValidationError:
        return None  # already reported by the first pass
    if kind.many:
        return _validate_plugin_tables(kind, values, context, problems)
    name = getattr(values, kind.name_key)
    try:
        spec = registry.load(kind, name)
    except UsageError as error:
        problems.append((f"{section}.{kind.name_key}", error.lines[0]))
        return None
    try:
        return spec.config_model.model_validate(values.plugin_keys(), context=context)
    except ValidationError as error:
        problems.extend((f"{section}.{key}" if key else section, msg) for key, msg in _problems(error))
        return None


def _validate_plugin_tables(kind: Kind[Any], values: PluginSection, context: dict, problems: list) -> BaseModel | None:
    """A section listing several plugins (`to = [...]`): each listed or configured one must be installed, and
    its sub-table (`[section.name]`, empty when absent) is validated by its own config_model."""
    section, names, tables = kind.section, getattr(values, kind.name_key), values.plugin_keys()
    found = len(problems)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.append((f"{section}.{kind.name_key}", f"each {kind.label} once, got {', '.join(repeated)} twice"))
    configs = {}
    for name in dict.fromkeys([*names, *tables]):
        key = f"{section}.{kind.name_key}" if name in names else f"{section}.{name}"
        try:
            spec = registry.load(kind, name)
        except UsageError as error:
            problems.append((key, error.lines[0]))
            continue
        table = tables.get(name, {})
        if not isinstance(table, dict):
            problems.append((f"{section}.{name}", f"expected a table of {kind.label} '{name}' keys"))
            continue
        try:
            configs[name] = spec.config_model.model_validate(table, context=context)
        except ValidationError as error:
            problems.extend((".".join(filter(None, (section, name, sub))), msg) for sub, msg in _problems(error))
    return PluginTables(configs) if len(problems) == found else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: recipe file not found") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read recipe: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark at the start is dropped
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise UsageError(f"{path.name}:{line}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path.name}: TOML syntax error: {error}") from None


def _apply_override(raw: dict[str, Any], text: str) -> str:
    key, sep, value_text = text.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", key):
        raise UsageError(f"--set expects section.key=value, got '{text}'")
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise UsageError(f"--set {key}: '{'.'.join(parts[: depth + 1])}' is not a section")
    value = _parse_value(value_text.strip())
    if len(parts) == 2 and isinstance(raw.get(parts[0]), dict):
        raw[parts[0]] = node = _switched(parts[0], node, {parts[1]: value})
    node[parts[-1]] = value
    return key


def _parse_value(text: str) -> Any:
    """A TOML value (`3`, `0.5`, `true`, `[5, 10]`, `"x"`); anything else is taken as a bare string."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors(include_url=False):
        key = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        problems.append((key, message))
    return problems


def _format_problem(path: Path, key: str, message: str, override_keys: Sequence[str]) -> str:
    origin = " (from --set)" if key in override_keys else ""
    return f"{path.name}: {key or '(top level)'}: {message}{origin}"
