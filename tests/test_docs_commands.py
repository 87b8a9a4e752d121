"""Every `lingoflow ...` command the README and docs/ show names a real subcommand and only
options that subcommand has: a renamed or removed option fails here, not in a user's shell."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import typer

from lingoflow.flows.cli import app

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)


def _commands() -> list[tuple[str, str]]:
    """(page, command line) for each line of a fenced block that starts with `lingoflow `."""
    out = []
    for page in PAGES:
        for block in FENCE.findall(page.read_text()):
            lines = block.replace("\\\n", " ").splitlines()
            for line in lines:
                line = line.split(" #")[0].strip()
                if line.startswith("lingoflow "):
                    out.append((page.name, line))
    return out


def _options(command: click.Command) -> set[str]:
    return {name for p in command.params for name in (*p.opts, *p.secondary_opts)}


COMMANDS = _commands()


def test_the_pages_show_commands():
    assert len(COMMANDS) >= 10, COMMANDS  # the guide and docs/usage.md show the CLI at work
    assert {c.split()[1] for _, c in COMMANDS} >= {"localize", "evaluate", "serve"}


@pytest.mark.parametrize("page, line", COMMANDS, ids=[f"{p}:{c[:40]}" for p, c in COMMANDS])
def test_a_documented_command_names_real_options(page, line):
    group = typer.main.get_command(app)
    words = shlex.split(line.replace("...", ""), posix=True)
    name = words[1]
    assert name in group.commands, f"{page}: `{line}` - no subcommand {name!r} (has {sorted(group.commands)})"
    known = _options(group.commands[name])
    for word in (w.strip("[]") for w in words[2:]):
        if word.startswith("--"):
            option = word.split("=")[0]
            assert option in known, f"{page}: `{line}` - `lingoflow {name}` has no option {option}"


BENCH = re.compile(r"python -m (bench\.\w+)([^`\n]*)")
MAKE = re.compile(r"`make (\w[\w-]*)`|^make (\w[\w-]*)", re.M)


def _bench_commands() -> list[tuple[str, str, list[str]]]:
    out = []
    for page in PAGES:
        for module, rest in BENCH.findall(page.read_text()):
            out.append((page.name, module, re.findall(r"(--[a-z][\w-]*)", rest.split("#")[0])))
    return out


def test_documented_bench_scripts_and_their_flags_exist():
    found = _bench_commands()
    assert len(found) >= 10
    for page, module, flags in found:
        source = ROOT / (module.replace(".", "/") + ".py")
        assert source.is_file(), f"{page}: python -m {module} - no {source.relative_to(ROOT)}"
        text = source.read_text()
        for flag in flags:
            assert f'"{flag}"' in text, f"{page}: python -m {module} {flag} - the script has no such flag"


def test_documented_make_targets_exist():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    named = {a or b for page in PAGES for a, b in MAKE.findall(page.read_text())}
    assert {"demo", "test", "bench", "eval"} <= named
    assert named <= targets, f"documented make targets the Makefile lacks: {sorted(named - targets)}"
