"""MarianMT / NLLB-200 model specs shared by the ctranslate2 and transformers engines.

A spec (``--mt-model``, repeatable) is a Hugging Face hub name or a local Transformers
folder, optionally for one pair: ``Helsinki-NLP/opus-mt-en-es``, ``en-es=/models/opus-mt-en-es``,
``facebook/nllb-200-distilled-600M``. Without a pair, the pair is read from an Opus-MT name
(``opus-mt-SRC-TGT``); an NLLB model serves every pair of its 200 languages (their codes,
``por_Latn`` and the like, are mapped from ISO 639-1).
"""
from __future__ import annotations

import threading

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import languages
from ..errors import ConfigError
from .base import MtEngine

# ISO 639-1 -> NLLB-200 code, where the ISO 639-3 code or the script is not the obvious one
_NLLB_OVERRIDES = {
    "ar": "arb_Arab", "fa": "pes_Arab", "ms": "zsm_Latn", "sw": "swh_Latn", "lv": "lvs_Latn",
    "mn": "khk_Cyrl", "uz": "uzn_Latn", "az": "azj_Latn", "mg": "plt_Latn", "om": "gaz_Latn",
    "or": "ory_Orya", "ne": "npi_Deva", "ps": "pbt_Arab", "sq": "als_Latn", "yi": "ydd_Hebr",
    "qu": "quy_Latn", "zh": "zho_Hans", "et": "est_Latn", "ku": "kmr_Latn", "no": "nob_Latn",
    "sr": "srp_Cyrl", "pa": "pan_Guru", "ks": "kas_Arab", "sd": "snd_Arab", "ta": "tam_Taml",
}


def nllb_codes() -> list[str]:
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    return list(FAIRSEQ_LANGUAGE_CODES)


def nllb_code(code: str) -> str | None:
    """'pt' -> 'por_Latn'; None for a language NLLB-200 does not have."""
    iso1 = languages.normalize(code)
    if iso1 in _NLLB_OVERRIDES:
        return _NLLB_OVERRIDES[iso1]
    import pycountry

    lang = pycountry.languages.get(alpha_2=iso1) or pycountry.languages.get(alpha_3=iso1)
    if lang is None:
        return None
    matches = [c for c in nllb_codes() if c.split("_")[0] == lang.alpha_3]
    return matches[0] if matches else None


@dataclass(frozen=True)
class ModelSpec:
    name: str  # hub name or local folder
    pair: tuple[str, str] | None  # given as src-tgt=NAME
    kind: str  # "nllb" | "marian" | "unknown"
    inferred_pair: tuple[str, str] | None = None

    @property
    def is_local(self) -> bool:
        return Path(self.name).expanduser().is_dir()

    def serves(self, source: str, target: str) -> bool:
        if self.pair:
            return self.pair == (source, target) and (self.kind != "nllb" or bool(nllb_code(source) and nllb_code(target)))
        if self.kind == "nllb":
            return source != target and bool(nllb_code(source) and nllb_code(target))
        return self.inferred_pair == (source, target)

    def identity(self) -> str:
        """Name plus, for a local folder, a digest of its config and weight files' sizes and times."""
        if not self.is_local:
            return self.name
        folder = Path(self.name).expanduser().resolve()
        h = hashlib.sha256()
        for f in sorted(folder.iterdir()):
            if f.is_file():
                st = f.stat()
                h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        return f"{folder}@{h.hexdigest()[:16]}"


_PAIR = re.compile(r"^([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)-([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)=(.+)$")


def _kind(name: str) -> str:
    path = Path(name).expanduser()
    if path.is_dir():
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: not a Transformers model folder (config.json: {exc})") from None
        tok = {}
        if (path / "tokenizer_config.json").is_file():
            tok = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
        if config.get("model_type") == "marian":
            return "marian"
        if config.get("model_type") == "m2m_100" and "nllb" in str(tok.get("tokenizer_class", "")).lower():
            return "nllb"
        return "unknown"
    lowered = name.lower()
    if "nllb" in lowered:
        return "nllb"
    if "opus-mt" in lowered or "marian" in lowered:
        return "marian"
    return "unknown"


def _opus_pair(name: str) -> tuple[str, str] | None:
    m = re.search(r"opus-mt-(?:tc-big-)?([a-z]{2,3})-([a-z]{2,3})$", Path(name).name.lower())
    if not m:
        return None
    try:
        return languages.normalize(m.group(1)), languages.normalize(m.group(2))
    except ConfigError:
        return None


@functools.lru_cache(maxsize=128)
def parse(spec: str) -> ModelSpec:
    spec = spec.strip()
    if not spec:
        raise ConfigError("an MT model name or folder must not be empty")
    m = _PAIR.match(spec)
    pair = None
    name = spec
    if m and not Path(spec).expanduser().exists():
        pair = (languages.normalize(m.group(1)), languages.normalize(m.group(2)))
        name = m.group(3).strip()
    kind = _kind(name)
    return ModelSpec(name, pair, kind, _opus_pair(name) if kind == "marian" else None)


def for_pair(specs: tuple[str, ...] | list[str], source: str, target: str) -> ModelSpec | None:
    """The model named for a pair: a `src-tgt=` entry first, then a plain entry that serves it."""
    parsed = [parse(s) for s in specs]
    for spec in parsed:
        if spec.pair == (source, target) and spec.serves(source, target):
            return spec
    for spec in parsed:
        if spec.pair is None and spec.serves(source, target):
            return spec
    return None


def check(specs: tuple[str, ...] | list[str]) -> None:
    """Every spec parses, and a plain entry says what it translates (else ask for src-tgt=)."""
    for spec in map(parse, specs):
        if spec.pair is None and spec.kind != "nllb" and spec.inferred_pair is None:
            raise ConfigError(
                f"MT model {spec.name!r}: cannot tell which language pair it translates; give it as SRC-TGT={spec.name} (e.g. en-es={spec.name})"
            )


def pairs(specs: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spec in map(parse, specs):
        if spec.pair:
            out.append(spec.pair)
        elif spec.inferred_pair:
            out.append(spec.inferred_pair)
        elif spec.kind == "nllb":
            out.append(("*", "*"))  # any NLLB-200 pair
    return out


class Codec:
    """Text <-> model tokens for one loaded tokenizer and pair (Marian and NLLB)."""

    def __init__(self, tokenizer, spec: ModelSpec, source: str, target: str):
        self.tok = tokenizer
        self.nllb = spec.kind == "nllb"
        self.src_code = nllb_code(source) if self.nllb else None
        self.tgt_code = nllb_code(target) if self.nllb else None
        self.marian_prefix = None
        if not self.nllb:  # a multi-target Opus-MT model wants >>lang<< before the source
            vocab = tokenizer.get_vocab()
            if any(k.startswith(">>") and k.endswith("<<") for k in vocab):
                import pycountry

                lang = pycountry.languages.get(alpha_2=target)
                for cand in (f">>{target}<<", f">>{getattr(lang, 'alpha_3', '')}<<"):
                    if cand in vocab:
                        self.marian_prefix = cand
                        break

    def source_text(self, text: str) -> str:
        return f"{self.marian_prefix} {text}" if self.marian_prefix else text

    def encode_tokens(self, text: str) -> list[str]:
        """Source tokens ending with </s> (CTranslate2 adds no special tokens itself)."""
        if self.nllb:
            self.tok.src_lang = self.src_code
        return self.tok.convert_ids_to_tokens(self.tok.encode(self.source_text(text)))

    def decode_tokens(self, tokens: list[str]) -> str:
        return self.tok.decode(self.tok.convert_tokens_to_ids(tokens), skip_special_tokens=True).strip()


def max_tokens(path_or_name: str, cap: int = 256) -> int:
    """The output length cap: the model's own generation max_length where it sets one, at most `cap`."""
    try:
        from transformers import GenerationConfig

        explicit = GenerationConfig.from_pretrained(path_or_name, **local_only(path_or_name)).to_diff_dict().get("max_length")
    except Exception:  # no generation_config.json
        explicit = None
    return max(8, min(cap, int(explicit))) if explicit else cap


def local_only(path_or_name: str) -> dict:
    """from_pretrained arguments: a local folder never asks the hub for anything."""
    return {"local_files_only": True} if Path(path_or_name).expanduser().is_dir() else {}


def quiet_transformers() -> None:
    """No download/loading progress bars or tokenizer advice on stderr (the CLI prints translations)."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")


def load_tokenizer(path_or_name: str):
    from transformers import AutoTokenizer

    quiet_transformers()
    try:
        return AutoTokenizer.from_pretrained(str(Path(path_or_name).expanduser()) if local_only(path_or_name) else path_or_name, **local_only(path_or_name))
    except Exception as exc:  # hub unreachable, missing files, ...
        raise ConfigError(f"cannot load the tokenizer of MT model {path_or_name!r}: {_short(exc)}") from exc


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


class ModelListEngine(MtEngine):
    """What the engines that run a given list of Marian/NLLB models share: which pairs they serve."""

    name = "?"
    takes_model = True

    def __init__(self, models: tuple[str, ...] = ()):
        self.models = tuple(models)
        self._loaded: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def pairs(self) -> list[tuple[str, str]]:
        return pairs(self.models)

    def supports(self, source: str, target: str) -> bool:
        return for_pair(self.models, source, target) is not None

    def _spec(self, source: str, target: str) -> "ModelSpec":
        spec = for_pair(self.models, source, target)
        if spec is None:
            raise ConfigError(f"{self.name}: no MT model given for {source}->{target} (--mt-model)")
        return spec
