"""Fuzz the glossary and voice-profile loaders (issue 7): no file content, however malformed
or hostile, makes them fail with anything but ConfigError naming the file (and a line where
there is one); YAML tags never construct objects; alias bombs and deep nesting stay small."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lingoflow.errors import ConfigError

GLOSSARY_OK = textwrap.dedent("""\
    source_language: en
    terms:
      course library: {pt: acervo de cursos, es: biblioteca de cursos}
      quiz: {pt: questionário}
    do_not_translate: [Prefect, MinIO]
    """)
VOICES_OK = textwrap.dedent("""\
    defaults: false
    threshold: 0.8
    profiles:
      narrator:
        pitch_range: low
        voices:
          pt: {engine: espeak-ng, variant: m3, pitch: 40, rate: 160}
          "*": {engine: espeak-ng}
    """)


def _load_glossary(path: Path):
    from lingoflow import glossary

    return glossary.load([str(path)])


def _load_voices(path: Path):
    from lingoflow.speakers.voices.profiles import load_library

    return load_library(str(path))


LOADERS = {"glossary": (_load_glossary, GLOSSARY_OK), "voices": (_load_voices, VOICES_OK)}
KEYS = ["source_language", "terms", "do_not_translate", "defaults", "threshold", "profiles", "speakers", "voices",
        "pitch_range", "engine", "name", "variant", "pitch", "rate", "clips", "profile", "pt", "en", "*", "quiz"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True), st.text(max_size=20),
                    st.sampled_from(["en", "pt", "xx", "espeak-ng", "piper", "low", "", " ", "m3"]))
documents = st.recursive(
    scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers()), kids, max_size=5)),
    max_leaves=25,
)


def _check(kind: str, content: bytes) -> None:
    load, _ = LOADERS[kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.yaml"
        path.write_bytes(content)
        try:
            load(path)
        except ConfigError as exc:
            assert str(path) in str(exc), str(exc)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_valid_example_loads(kind):
    load, ok = LOADERS[kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ok.yaml"
        path.write_text(ok)
        assert load(path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_any_yaml_structure_gives_a_result_or_config_error(kind, doc):
    _check(kind, yaml.safe_dump(doc, allow_unicode=True).encode())


@pytest.mark.parametrize("kind", sorted(LOADERS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_files_give_a_result_or_config_error(kind, data):
    """A valid file with bytes cut, replaced or inserted (a bad edit, a bad copy)."""
    raw = bytearray(LOADERS[kind][1].encode())
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["cut", "set", "insert"]))
        byte = data.draw(st.sampled_from(list(b":{}[]-!&*|>'\"#\t\n \x00\xff") + [0xc3]))
        if op == "cut":
            del raw[i]
        elif op == "set":
            raw[i] = byte
        else:
            raw.insert(i, byte)
    _check(kind, bytes(raw))


@pytest.mark.parametrize("kind", sorted(LOADERS))
@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bytes_give_a_result_or_config_error(kind, content):
    _check(kind, content)


HOSTILE = {
    "python object tag": "!!python/object/apply:os.system ['touch PWNED']\n",
    "tag inside": "terms: !!python/object/apply:os.system ['touch PWNED']\nprofiles: !!python/name:os.system\n",
    "not UTF-8": "source_language: en\nterms:\n  caf\xe9: {pt: caf\xe9}\n",
    "deep nesting": "[" * 5000 + "]" * 5000 + "\n",
    "alias bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    ) + "terms: *i\nprofiles: *i\n",
    "date key": "source_language: en\nterms:\n  2024-01-01: {pt: x}\nprofiles:\n  2024-01-01: {voices: {pt: {engine: espeak-ng}}}\n",
    "binary": "source_language: !!binary aGVsbG8=\nprofiles: !!binary aGVsbG8=\n",
    "two documents": "source_language: en\n---\nsource_language: pt\n",
    "merge key": "base: &b {engine: espeak-ng}\nprofiles:\n  p: {voices: {pt: {<<: *b, pitch: 500}}}\nterms: {<<: {x: 1}}\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_hostile_files_fail_cleanly_and_quickly(kind, case, tmp_path):
    """In a child process with a time limit: an alias bomb must not hang or eat memory."""
    path = tmp_path / f"{kind}.yaml"
    content = HOSTILE[case]
    path.write_bytes(content.encode("latin-1") if case == "not UTF-8" else content.encode())
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        sys.setrecursionlimit(10000)
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from tests.{Path(__file__).stem} import _check
        _check({kind!r}, open({str(path)!r}, 'rb').read())
        print('ok')
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
    assert not (tmp_path / "PWNED").exists()
