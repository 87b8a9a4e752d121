"""Security (issue 7): argument lists only, safe paths into tools, outputs confined to OUT,
safe YAML, validated run parameters. The code checks read the project's own source (AST),
so a new module that shells out or builds a command string fails here."""
from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingoflow.io import media
from lingoflow.errors import ConfigError
from lingoflow.paths import inside, sanitize_name, unique_item_names

from .conftest import ROOT

PACKAGES = ("lingoflow", "tasks", "flows")
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}


def _sources() -> list[tuple[Path, ast.AST]]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            out.append((path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return out


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _stringy(node: ast.AST) -> bool:
    """A command built as one string: a literal, an f-string, a concatenation or .format()."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _stringy(node.left) or _stringy(node.right)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}


def _calls():
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield path.relative_to(ROOT), node, _name(node.func)


def test_no_shell_anywhere():
    bad = []
    for path, node, name in _calls():
        if name in {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "os.execl", "os.spawnl"}:
            bad.append(f"{path}:{node.lineno} {name}")
        for kw in node.keywords:
            if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                bad.append(f"{path}:{node.lineno} shell=")
    assert bad == []


def test_every_subprocess_gets_an_argument_list():
    seen, bad = 0, []
    for path, node, name in _calls():
        if name.startswith("subprocess.") and name.split(".")[-1] in SUBPROCESS_CALLS:
            seen += 1
            if not node.args or _stringy(node.args[0]):
                bad.append(f"{path}:{node.lineno}")
    assert seen >= 2 and bad == []


def test_every_ffmpeg_file_goes_through_a_file_url():
    """ffmpeg inputs and outputs are `file:` URLs (a leading '-' or 'http:' stays a file name);
    the only other inputs are lavfi generators."""
    bad, seen = [], 0
    for path, node, name in _calls():
        if name == "ffmpeg.input":
            seen += 1
            lavfi = any(kw.arg == "f" and isinstance(kw.value, ast.Constant) and kw.value.value == "lavfi" for kw in node.keywords)
            if not lavfi and not (node.args and _name(getattr(node.args[0], "func", None) or node.args[0]) == "file_url"):
                bad.append(f"{path}:{node.lineno} input")
        if name == "ffmpeg.output":
            seen += 1
            if not (node.args and _name(getattr(node.args[-1], "func", None) or node.args[-1]) == "file_url"):
                bad.append(f"{path}:{node.lineno} output")
    assert seen >= 4 and bad == []


def test_yaml_only_through_safe_load():
    bad = []
    for path, node, name in _calls():
        if name in {"yaml.load", "yaml.load_all"}:
            loader = [kw.value for kw in node.keywords if kw.arg == "Loader"] or node.args[1:2]
            if not loader or "Safe" not in _name(loader[0]):
                bad.append(f"{path}:{node.lineno}")
        if name in {"yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all", "pickle.load", "pickle.loads"}:
            bad.append(f"{path}:{node.lineno} {name}")
    assert bad == []


@pytest.mark.parametrize("name", ["-i", "-y.wav", "http:evil.wav", "concat:a.wav|b.wav", "pipe:0.wav"])
def test_option_or_protocol_like_names_are_read_as_files(tmp_path, name):
    src = tmp_path / name
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", "-f", "wav",
                    f"file:{src}"], check=True)
    info = media.probe(src)
    assert media.decode_audio(info, tmp_path / "decoded.wav") == pytest.approx(1.0, abs=0.05)
    assert media.file_url(src) == f"file:{src.absolute()}"


@pytest.mark.parametrize("parts", [("..", "x"), ("a", "..", "..", "x"), ("/etc/passwd",), ("a/../../x",)])
def test_inside_refuses_escapes(tmp_path, parts):
    with pytest.raises(ConfigError, match="outside the output folder"):
        inside(tmp_path / "out", *parts)


def test_inside_refuses_a_symlink_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(tmp_path, out / "item")
    with pytest.raises(ConfigError):
        inside(out, "item", "transcript.json")
    assert inside(out, "ok", "transcript.json") == out.resolve() / "ok" / "transcript.json"


SAFE = re.compile(r"^[\w][\w.\-]*$")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_sanitized_names_are_safe_folder_names(name):
    out = sanitize_name(name)
    assert SAFE.match(out) and "/" not in out and "\\" not in out and not out.startswith("-")
    # leaves room for '<name>-<hash>.localized.webm' and the hidden temporary within NAME_MAX
    assert len(out.encode("utf-8")) <= 200


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60).map(lambda s: s.replace("\0", "")), min_size=1, max_size=12, unique=True))
def test_item_names_are_unique(relpaths):
    names = unique_item_names(relpaths)
    assert len({n.lower() for n in names.values()}) == len(relpaths)


def test_long_non_latin_name_localizes_into_a_valid_folder(tmp_path):
    """A 150-character Japanese name is 450 bytes: more than a file name may hold (255)."""
    name = "講義" * 75
    out = tmp_path / "out"
    target = inside(out, sanitize_name(name), f"{sanitize_name(name)}.localized.mka")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"x")  # would raise 'File name too long' with an unbounded name


def test_api_triggered_parameters_are_validated():
    """What a deployment or the API passes goes through the same validation as the CLI."""
    from prefect.exceptions import ParameterTypeError

    from lingoflow.flows.localize import localize_library

    ok = localize_library.validate_parameters({"inputs": ["lib"], "out": "out", "options": {"targets": ["pt-BR"]}})
    assert ok["options"].targets == ["pt"]
    for bad in ({"targets": ["xx"]}, {"targets": ["pt"], "shell": "rm -rf /"}, {"max_speed": 100}, {"beam_size": 0}):
        with pytest.raises(ParameterTypeError):
            localize_library.validate_parameters({"inputs": ["lib"], "out": "out", "options": bad})


def test_output_folder_inside_the_library_is_not_taken_for_sources(tmp_path):
    """OUT inside an input folder: a re-run must not localize last run's dubs and containers."""
    from lingoflow.io.library import discover

    lib = tmp_path / "lib"
    (lib / "out" / "talk").mkdir(parents=True)
    (lib / "talk.mp3").write_bytes(b"x")
    (lib / "out" / "talk" / "dub.pt.wav").write_bytes(b"x")
    (lib / "out" / "talk" / "talk.localized.mka").write_bytes(b"x")
    assert [s.relpath for s in discover([str(lib)], exclude=[str(lib / "out")])] == ["talk.mp3"]
    assert len(discover([str(lib)])) == 3
    assert [s.relpath for s in discover([str(lib)], exclude=[str(lib)])] != []  # OUT == the library itself
