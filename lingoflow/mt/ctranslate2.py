"""MarianMT (opus-mt) and NLLB-200 through CTranslate2: converted once, cached, int8 on CPU, batched.

The model is a hub name or a local Transformers folder (``--mt-model``, see hf_models). The
conversion lands in ``<cache>/mt/ctranslate2/<name>-<key>``, keyed by the model's identity,
CTranslate2's version and the quantization; it is written beside and renamed into place.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from ..errors import ConfigError
from ..paths import cache_dir, sanitize_name
from . import hf_models

QUANTIZATION = "int8"
BEAM_SIZE = 4
MAX_BATCH = 32
MAX_TOKENS = 256  # at most; a fixed cap per model, so a line's output never depends on its batch


def converted_dir(spec: hf_models.ModelSpec) -> Path:
    key = hashlib.sha256(f"{spec.identity()}|ctranslate2=={metadata.version('ctranslate2')}|{QUANTIZATION}".encode()).hexdigest()[:16]
    return cache_dir() / "mt" / "ctranslate2" / f"{sanitize_name(Path(spec.name).name)}-{key}"


def convert(spec: hf_models.ModelSpec) -> Path:
    """The cached CTranslate2 conversion of `spec` (converted now if missing), tokenizer inside."""
    final = converted_dir(spec)
    if (final / "model.bin").is_file():
        return final
    from ctranslate2.converters import TransformersConverter

    hf_models.quiet_transformers()
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        source = str(Path(spec.name).expanduser()) if spec.is_local else spec.name
        try:
            TransformersConverter(source, low_cpu_mem_usage=True).convert(str(work / "model"), quantization=QUANTIZATION, force=True)
        except Exception as exc:  # hub unreachable, unsupported architecture, ...
            raise ConfigError(f"cannot convert MT model {spec.name!r} with CTranslate2 (try --mt-engine transformers): {hf_models._short(exc)}") from exc
        hf_models.load_tokenizer(source).save_pretrained(str(work / "model" / "tokenizer"))
        (work / "model" / "lingoflow.json").write_text(json.dumps({"max_tokens": hf_models.max_tokens(source, MAX_TOKENS)}))
        try:
            os.replace(work / "model", final)
        except OSError:  # another process finished the same conversion first
            if not (final / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


class CTranslate2Engine(hf_models.ModelListEngine):
    name = "ctranslate2"

    def __init__(self, models: tuple[str, ...] = ()):
        super().__init__(models)
        self._codecs: dict[tuple, hf_models.Codec] = {}

    def model_identity(self, source: str, target: str) -> str:
        spec = self._spec(source, target)
        return f"ctranslate2=={metadata.version('ctranslate2')}:{QUANTIZATION}:{spec.identity()}"

    def _load(self, spec: hf_models.ModelSpec):
        import ctranslate2

        with self._lock:
            key = spec.identity()
            if key not in self._loaded:
                folder = convert(spec)
                cuda = ctranslate2.get_cuda_device_count() > 0
                translator = ctranslate2.Translator(
                    str(folder), device="cuda" if cuda else "cpu", compute_type="int8_float16" if cuda else QUANTIZATION,
                    inter_threads=1, intra_threads=0 if cuda else (os.cpu_count() or 0),
                )
                limit = json.loads((folder / "lingoflow.json").read_text())["max_tokens"]
                self._loaded[key] = (translator, hf_models.load_tokenizer(str(folder / "tokenizer")), limit)
            return self._loaded[key]

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        return [alts[0] if alts else "" for alts in self.alternatives(texts, source, target, 1)]

    def alternatives(self, texts: list[str], source: str, target: str, n: int = 4) -> list[list[str]]:
        """Each text's n best translations (beam n-best, best first; [] for an empty text); the
        translate stage picks the shortest that keeps every glossary term where a slot is short."""
        spec = self._spec(source, target)
        translator, tokenizer, limit = self._load(spec)
        codec_key = (spec.identity(), source, target)
        if codec_key not in self._codecs:
            self._codecs[codec_key] = hf_models.Codec(tokenizer, spec, source, target)
        codec = self._codecs[codec_key]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        out: list[list[str]] = [[] for _ in texts]
        if not todo:
            return out
        with self._lock:  # the NLLB tokenizer's src_lang is state
            batch = [codec.encode_tokens(" ".join(texts[i].split())) for i in todo]
        prefix = [[codec.tgt_code]] * len(batch) if codec.tgt_code else None
        results = translator.translate_batch(
            batch, target_prefix=prefix, beam_size=max(BEAM_SIZE, n), max_batch_size=MAX_BATCH,
            max_decoding_length=limit, num_hypotheses=n,
        )
        for i, res in zip(todo, results):
            out[i] = [codec.decode_tokens(h) for h in res.hypotheses]
        return out
