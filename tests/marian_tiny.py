"""Build a tiny, randomly initialised MarianMT model in the Opus-MT layout (test helper).

No MarianMT/NLLB weights install offline (../shared/MODELS.md), so the tests build this one
and load it back through lingoflow's own engines: its output is nonsense, but every line of
loading, CTranslate2 conversion, batching, decoding and glossary handling runs for real.
Pitfalls handled (see MODELS.md): a BPE SentencePiece model (unigram refuses 300 pieces on a
few hundred lines); vocab.json with ``</s>``=0, ``<unk>``=1, the pieces, and ``<pad>`` LAST
(CTranslate2's Marian loader drops the last row); the config's token ids set from the
tokenizer (MarianConfig defaults to 58100).
"""
from __future__ import annotations

import itertools
import json
import shutil
import warnings
from pathlib import Path

_SUBJECTS = ["the student", "our teacher", "a learner", "the course", "this lesson", "the team", "my friend", "the quiz"]
_VERBS = ["opens", "reads", "finishes", "reviews", "explains", "starts", "shares", "saves"]
_OBJECTS = ["the course library", "a short video", "the final exam", "every chapter", "the river map", "her notes", "the certificate", "a new module"]
_TAILS = ["today.", "before lunch.", "with care.", "in Portuguese.", "on Monday.", "again."]


def corpus_lines() -> list[str]:
    """A few hundred English-like lines, deterministic."""
    combos = itertools.product(_SUBJECTS, _VERBS, _OBJECTS, _TAILS)
    return [f"{s.capitalize()} {v} {o} {t}" for s, v, o, t in itertools.islice(combos, 0, None, 7)][:400]


def build(folder: Path, vocab_size: int = 300, seed: int = 0, max_length: int = 48, extra_tokens: tuple[str, ...] = ()) -> Path:
    """Write a Transformers MarianMT folder (config, weights, tokenizer) into `folder`."""
    import sentencepiece as spm
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / "_spm"
    work.mkdir(exist_ok=True)
    corpus = work / "corpus.txt"
    corpus.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(work / "sp"), vocab_size=vocab_size, model_type="bpe",
        character_coverage=1.0, minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(work / "sp.model"))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if not (sp.is_control(i) or sp.is_unknown(i))]
    vocab = {"</s>": 0, "<unk>": 1}
    for p in [*pieces, *extra_tokens]:  # extra: e.g. a multi-target model's >>por<< tokens
        vocab.setdefault(p, len(vocab))
    vocab["<pad>"] = len(vocab)  # last: CTranslate2's Marian loader drops the last row
    (work / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
    tok = MarianTokenizer(source_spm=str(work / "sp.model"), target_spm=str(work / "sp.model"), vocab=str(work / "vocab.json"))
    tok.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab), d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=256, pad_token_id=tok.pad_token_id, decoder_start_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id, forced_eos_token_id=tok.eos_token_id, share_encoder_decoder_embeddings=True,
    )
    model = MarianMTModel(config)
    # a short output cap (as real Opus-MT models set 512): the random model never stops by itself
    model.generation_config = GenerationConfig(max_length=max_length, pad_token_id=tok.pad_token_id,
                                               decoder_start_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    model.save_pretrained(str(folder))
    shutil.rmtree(work)
    return folder


def build_nllb(folder: Path, vocab_size: int = 300, seed: int = 0, max_length: int = 32) -> Path:
    """A tiny random NLLB-200-style model (M2M100 architecture, NllbTokenizer with the 200+
    language-code tokens) in the Transformers layout, for the NLLB code paths."""
    import sentencepiece as spm
    import torch
    from tokenizers.models import BPE
    from transformers import GenerationConfig, M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.convert_slow_tokenizer import SentencePieceExtractor

    folder = Path(folder)
    work = folder / "_spm"
    work.mkdir(parents=True, exist_ok=True)
    (work / "corpus.txt").write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(work / "corpus.txt"), model_prefix=str(work / "sp"), vocab_size=vocab_size, model_type="bpe",
        character_coverage=1.0, minloglevel=2,
    )
    extracted = SentencePieceExtractor(str(work / "sp.model")).extract(BPE)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in extracted["vocab"]:
        vocab.setdefault(piece, len(vocab))
    tok = NllbTokenizer(vocab=vocab, merges=extracted["merges"])
    tok.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = M2M100Config(
        vocab_size=len(tok), d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=256,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.eos_token_id,
    )
    model = M2M100ForConditionalGeneration(config)
    model.generation_config = GenerationConfig(max_length=max_length, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                                               eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.eos_token_id)
    model.save_pretrained(str(folder))
    shutil.rmtree(work)
    return folder
