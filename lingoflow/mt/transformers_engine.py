"""MarianMT and NLLB-200 run directly with Hugging Face transformers (PyTorch), for models
CTranslate2 cannot convert. Same model specs as the ctranslate2 engine (hf_models)."""
from __future__ import annotations

from importlib import metadata

from ..errors import ConfigError
from . import hf_models

BEAM_SIZE = 4
BATCH = 16
MAX_TOKENS = 256  # at most; a fixed cap per model, so a line's output never depends on its batch


class TransformersEngine(hf_models.ModelListEngine):
    name = "transformers"

    def model_identity(self, source: str, target: str) -> str:
        return f"transformers=={metadata.version('transformers')}:{self._spec(source, target).identity()}"

    def _load(self, spec: hf_models.ModelSpec):
        from transformers import AutoModelForSeq2SeqLM

        with self._lock:
            key = spec.identity()
            if key not in self._loaded:
                tokenizer = hf_models.load_tokenizer(spec.name)
                try:
                    model = AutoModelForSeq2SeqLM.from_pretrained(spec.name, **hf_models.local_only(spec.name))
                except Exception as exc:
                    raise ConfigError(f"cannot load MT model {spec.name!r}: {hf_models._short(exc)}") from exc
                self._loaded[key] = (model.eval(), tokenizer, hf_models.max_tokens(spec.name, MAX_TOKENS))
            return self._loaded[key]

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        import torch

        spec = self._spec(source, target)
        model, tokenizer, limit = self._load(spec)
        codec = hf_models.Codec(tokenizer, spec, source, target)
        todo = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
        out = [""] * len(texts)
        extra = {}
        if codec.tgt_code:
            extra["forced_bos_token_id"] = tokenizer.convert_tokens_to_ids(codec.tgt_code)
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            with self._lock:  # the NLLB tokenizer's src_lang is state
                if codec.src_code:
                    tokenizer.src_lang = codec.src_code
                batch = tokenizer([codec.source_text(" ".join(texts[i].split())) for i in chunk], return_tensors="pt", padding=True)
            with torch.inference_mode():
                generated = model.generate(**batch, num_beams=BEAM_SIZE, max_new_tokens=limit, **extra)
            for i, text in zip(chunk, tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[i] = text.strip()
        return out
