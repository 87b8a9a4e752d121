"""Bad configuration fails fast (issue 7): exit status 2 and a message naming the setting,
before any audio is decoded (nothing in the cache, no output folder)."""
from __future__ import annotations

import pytest

from .conftest import run_cli


@pytest.fixture()
def lib(sample_library):
    return sample_library


def _fails_fast(tmp_path, lib, *args: str):
    cache, out = tmp_path / "cache", tmp_path / "out"
    proc = run_cli("localize", str(lib), "--out", str(out), "--quiet", *args, env={"LINGOFLOW_CACHE": str(cache)})
    assert proc.returncode == 2, proc.stderr
    assert not out.exists() and not (cache / "audio").exists()  # no audio was touched
    assert "Traceback" not in proc.stderr
    return " ".join(proc.stderr.split())


def test_missing_model_folder(tmp_path, lib):
    err = _fails_fast(tmp_path, lib, "--asr-model", str(tmp_path / "no-such-model"))
    assert "--asr-model" in err and "no-such-model" in err and "model.bin" in err


def test_damaged_model(tmp_path, lib):
    model = tmp_path / "damaged-model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"\0garbage" * 100)
    (model / "config.json").write_text("{}")
    err = _fails_fast(tmp_path, lib, "--asr-model", str(model))
    assert "cannot load Whisper model" in err and "damaged-model" in err


def test_damaged_model_with_files_to_run_in_an_existing_out(tmp_path, lib):
    # OUT exists, so the run first looks for cached files; none is, so the model loads (and fails) before any audio
    model, cache, out = tmp_path / "damaged-model", tmp_path / "cache", tmp_path / "out"
    model.mkdir()
    (model / "model.bin").write_bytes(b"\0garbage" * 100)
    out.mkdir()
    proc = run_cli("localize", str(lib), "--out", str(out), "--quiet", "--asr-model", str(model), env={"LINGOFLOW_CACHE": str(cache)})
    assert proc.returncode == 2, proc.stderr
    assert "cannot load Whisper model" in proc.stderr and not (cache / "audio").exists()
    assert not any(out.rglob("*.wav")) and not (out / "report.json").exists()


@pytest.mark.parametrize("args,needle", [
    (("--to", "xx"), "unknown language code 'xx'"),
    (("--from", "qq", "--to", "pt"), "unknown language code 'qq'"),
    (("--from", "en", "--to", "ja"), "en->ja"),
    (("--to", "pt", "--tts-engine", "nope"), "unknown TTS engine 'nope'"),
    (("--to", "pt", "--mt-engine", "nope"), "unknown MT engine 'nope'"),
])
def test_bad_options(tmp_path, lib, args, needle):
    assert needle in _fails_fast(tmp_path, lib, *args)


BAD_FILES = {
    "glossary-shape": ("--glossary", "source_language: en\nterms:\n  - quiz\n  - course\n", ["line 3", "terms"]),
    "glossary-language": ("--glossary", "source_language: en\nterms:\n  quiz: {xx: questionário}\n", ["line 3", "'xx'"]),
    "glossary-bomb": ("--glossary", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")), ["alias"]),
    "voices-type": ("--voices", "profiles:\n  narrator:\n    voices:\n      pt: {engine: espeak-ng, pitch: loud}\n", [":4", "pitch"]),
    "voices-engine": ("--voices", "profiles:\n  narrator:\n    voices:\n      pt: {engine: nope}\n", [":4", "unknown TTS engine 'nope'"]),
    "voices-yaml": ("--voices", "profiles:\n  narrator: [\n", ["not valid YAML", ":3"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_glossary_and_voices_files_name_file_and_line(tmp_path, lib, case):
    option, content, needles = BAD_FILES[case]
    bad = tmp_path / f"{case}.yaml"
    bad.write_text(content)
    err = _fails_fast(tmp_path, lib, "--to", "pt", option, str(bad))
    assert str(bad) in err or bad.name in err, err
    for needle in needles:
        assert needle in err, err
