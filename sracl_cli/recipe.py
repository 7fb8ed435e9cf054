"""Recipes: TOML → validated, fully resolved settings for every stage.

Validation runs in two passes. The first checks the sections sracl owns. The second checks the keys that
belong to a plugin ([data] keys of the chosen loader, [model] keys of the chosen backbone) against that
plugin's own pydantic model. Every problem becomes one line `file: dotted.key: reason`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sracl_cli import registry
from sracl_cli.errors import UsageError
from sracl_cli.paths import OutputPath

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


class TrainSection(Section):
    epochs: int = Field(100, gt=0)
    batch_size: int = Field(256, gt=0)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    patience: int = Field(10, gt=0, description="epochs without validation improvement before stopping")
    seed: int = 2024
    seeds: list[int] | None = Field(
        None, min_length=1, description="train once per seed (overrides seed); summary.json holds mean ± std"
    )
    objective: Literal["none", "sracl", "cl4srec", "duorec"] = "none"
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    threads: int | None = Field(None, gt=0, description="torch CPU threads; default: torch's own choice")


class EvalSection(Section):
    ks: list[int] = Field(default_factory=lambda: [5, 10, 20], min_length=1)
    mask_history: bool = False
    batch_size: int = Field(2048, gt=0)
    early_stop_metric: str = "mrr@10"

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
        ks = info.data.get("ks") or []
        if int(match.group(2)) not in ks:
            raise ValueError(f"K must be one of eval.ks {ks}")
        return metric


class OutputSection(Section):
    dir: OutputPath | None = Field(None, description="run directory; default runs/<name> in the working directory")
    semantic_dir: OutputPath | None = Field(
        None, description="where embed/ and index/ live; default the run directory (point recipes at one to share it)"
    )


class LLMSection(Section):
    provider: str = Field("passthrough", description="sracl.llm_providers name: passthrough | litellm | ...")
    model: str | None = Field(None, description="LiteLLM model string, e.g. deepseek/deepseek-chat")
    api_base: str | None = Field(None, description="base URL of an OpenAI-compatible server")
    api_key_env: str | None = Field(None, description="NAME of the environment variable holding the API key")
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(0.001, gt=0, le=1)
    max_tokens: int = Field(256, gt=0)
    item_reply_format: Literal["text", "json_object", "json_schema"] = Field(
        "text",
        description="text: item replies as the model writes them (the paper); json_object / json_schema: the "
        "server constrains them to JSON / to the two keys the item prompt asks for (see reply_formats.py)",
    )
    concurrency: int = Field(32, gt=0)
    timeout: float = Field(60.0, gt=0, description="seconds per call")
    max_retries: int = Field(5, ge=0)
    cache: OutputPath | None = Field(None, description="SQLite response cache; default runs/llm_cache.sqlite")

    @field_validator("api_key_env")
    @classmethod
    def _a_name_not_a_key(cls, name: str | None) -> str | None:
        if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError("expected the NAME of an environment variable (the key itself never goes in a recipe)")
        return name


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


class EmbeddingSection(Section):
    embedder: str = "sentence-transformers"
    model: str = "packaged:all-MiniLM-L6-v2"
    batch_size: int = Field(256, gt=0)
    device: str = "cpu"
    dtype: Literal["float32", "bfloat16"] = Field("float32", description="sentence-transformers compute type")
    api_base: str | None = None
    api_key_env: str | None = None


class IndexSection(Section):
    store: str = "chroma"
    k: int = Field(10, gt=0)
    pool: Literal["train", "all"] = "train"
    exclude_same_user: bool = True
    compat: Literal["default", "official"] = "default"
    url: str | None = Field(None, description="Chroma server URL; default: embedded store in the run directory")
    hnsw_m: int = Field(32, gt=0)
    hnsw_construction_ef: int = Field(200, gt=0)
    hnsw_search_ef: int = Field(200, gt=0)
    recall_sample: int = Field(1000, ge=0)


class SRACLSection(Section):
    alpha: float = Field(0.1, ge=0, description="weight of the inter-user loss L_CS (0 ablates it)")
    beta: float = Field(0.1, ge=0, description="weight of the intra-user loss L_IS (0 ablates it)")
    substitute_p: float = Field(0.2, ge=0, le=1, description="per-item substitution probability of L_IS")
    temperature: float = Field(1.0, gt=0)
    infonce: Literal["symmetric", "one-way"] = "symmetric"
    synthesis: Literal["learnable", "uniform"] = "learnable"
    attn_dropout: float = Field(0.5, ge=0, lt=1, description="dropout on the synthesizer's attention weights")
    neighbor_encoding: Literal["live", "bank"] = "live"


class BaselinesSection(Section):
    weight: float = Field(0.1, ge=0, description="weight of the CL4SRec / DuoRec contrastive loss")
    temperature: float = Field(1.0, gt=0)
    crop: float = Field(0.6, gt=0, le=1, description="CL4SRec: share of items a crop keeps")
    mask: float = Field(0.3, ge=0, lt=1, description="CL4SRec: probability of dropping an item")
    reorder: float = Field(0.6, gt=0, le=1, description="CL4SRec: share of items a reorder shuffles")


class RecipeModel(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    data: DataSection = Field(default_factory=DataSection)
    model: ModelSection = Field(default_factory=ModelSection)
    train: TrainSection = Field(default_factory=TrainSection)
    eval: EvalSection = Field(default_factory=EvalSection)
    output: OutputSection = Field(default_factory=OutputSection)
    llm: LLMSection = Field(default_factory=LLMSection)
    prompts: PromptsSection = Field(default_factory=PromptsSection)
    embedding: EmbeddingSection = Field(default_factory=EmbeddingSection)
    index: IndexSection = Field(default_factory=IndexSection)
    sracl: SRACLSection = Field(default_factory=SRACLSection)
    baselines: BaselinesSection = Field(default_factory=BaselinesSection)


@dataclass(frozen=True)
class Recipe:
    """A validated recipe: sracl's sections plus the chosen loader's and backbone's own settings."""

    source: Path
    config: RecipeModel
    data_params: BaseModel
    model_params: BaseModel

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

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved recipe (defaults filled, paths absolute), as written to the run directory."""
        resolved = self.config.model_dump(mode="json", exclude_none=True)
        resolved["data"].update(self.data_params.model_dump(mode="json", exclude_none=True))
        resolved["model"].update(self.model_params.model_dump(mode="json", exclude_none=True))
        resolved["output"]["dir"] = str(self.run_dir)
        return resolved

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    path = Path(path)
    raw = _read_toml(path)
    raw.setdefault("name", path.stem)
    override_keys = [_apply_override(raw, text) for text in overrides or []]
    return validate_recipe(raw, path, override_keys)


def validate_recipe(raw: dict[str, Any], path: Path, override_keys: list[str] = ()) -> Recipe:
    context = {"base_dir": path.resolve().parent}
    problems: list[tuple[str, str]] = []
    try:
        config = RecipeModel.model_validate(raw, context=context)
    except ValidationError as error:
        problems += _problems(error)
        config = None
    # Plugin keys are checked even when other sections failed, so one run reports every problem.
    data_params = _validate_plugin_keys("dataset loader", "data", "loader", DataSection, raw, context, problems)
    model_params = _validate_plugin_keys("backbone", "model", "backbone", ModelSection, raw, context, problems)
    if problems:
        raise UsageError(*(_format_problem(path, key, msg, override_keys) for key, msg in problems))
    return Recipe(path.resolve(), config, data_params, model_params)


def _validate_plugin_keys(kind, section, name_key, section_model, raw, context, problems):
    try:
        values = section_model.model_validate(raw.get(section, {}), context=context)
    except ValidationError:
        return None  # already reported by the first pass
    name = getattr(values, name_key)
    try:
        spec = registry.load(kind, name)
    except UsageError as error:
        problems.append((f"{section}.{name_key}", error.lines[0]))
        return None
    try:
        return spec.config_model.model_validate(values.plugin_keys(), context=context)
    except ValidationError as error:
        problems.extend((f"{section}.{key}" if key else section, msg) for key, msg in _problems(error))
        return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: recipe file not found") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read recipe: {error.strerror}") from None
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
    node[parts[-1]] = _parse_value(value_text.strip())
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


def _format_problem(path: Path, key: str, message: str, override_keys) -> str:
    origin = " (from --set)" if key in override_keys else ""
    return f"{path.name}: {key or '(top level)'}: {message}{origin}"
