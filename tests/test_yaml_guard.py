"""lingoflow.yamlsafe: hostile YAML is refused with a ConfigError, in linear time (issue 7)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingoflow import yamlsafe
from lingoflow.errors import ConfigError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


def test_alias_bomb_is_refused():
    with pytest.raises(ConfigError, match="alias bomb") as err:
        yamlsafe.check(BOMB, "g.yaml", "glossary")
    assert err.value.args[0].startswith("g.yaml: ")


def test_deep_nesting_is_refused():
    for text in ("[" * 5000 + "]" * 5000, "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200))):
        with pytest.raises(ConfigError, match="nested"):
            yamlsafe.check(text, "v.yaml")


def test_tags_are_not_constructed_and_plain_files_pass():
    assert yamlsafe.check("!!python/object/apply:os.system ['touch PWNED']\n", "x.yaml") is not None
    root = yamlsafe.check("terms:\n  quiz: {pt: questionário}\nshared: &s {a: 1}\nagain: *s\n", "x.yaml")
    assert root.start_mark.line == 0
    assert yamlsafe.check("", "x.yaml") is None


def test_invalid_yaml_is_left_to_the_loader():
    assert yamlsafe.check("a: 1\nb: [1, 2}\nc: 3\n", "x.yaml") is None  # its own parse names the line


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes(b"source_language: en\nterms:\n  caf\xe9: {pt: x}\n")
    with pytest.raises(ConfigError, match=r"g.yaml, line 3: the glossary is not UTF-8"):
        yamlsafe.read_text(path, "glossary")
    with pytest.raises(ConfigError, match="cannot read"):
        yamlsafe.read_text(tmp_path / "missing.yaml", "glossary")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_passes_or_is_a_config_error(text):
    try:
        yamlsafe.check(text, "f.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("f.yaml")
