"""A guard for user YAML (glossaries, voice profiles) before it is loaded and validated.

`yaml.safe_load` never builds objects from tags, but it still accepts files that hurt:
aliases that expand exponentially (a "billion laughs" file is a few hundred bytes), nesting
deep enough to exhaust the stack, bytes that are not UTF-8. `check` refuses those with a
ConfigError naming the file (and the line, where there is one), in time linear in the file.
"""
from __future__ import annotations

import os

import yaml

from .errors import ConfigError

MAX_NODES = 100_000  # after aliases are expanded; real glossaries have a few thousand
MAX_DEPTH = 64


def read_text(path: str | os.PathLike, what: str) -> str:
    """The file as UTF-8 text, or a ConfigError saying why not."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: the {what} is not UTF-8 text (byte {raw[exc.start]:#04x})") from None


def check(text: str, where: str, what: str = "file") -> yaml.Node | None:
    """Compose the YAML (no construction) and refuse alias bombs and deep nesting.

    Returns the composed root node (None for an empty document, or for text that is not YAML,
    which the loader's own parse then reports with its line).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise ConfigError(f"{where}: the {what} is nested too deeply to be a {what}") from None
    except yaml.YAMLError:
        return None  # not YAML at all: the loader's own parse reports it, in its own words
    if root is not None:
        nodes, depth = _measure(root)
        if depth > MAX_DEPTH:
            raise ConfigError(f"{where}: the {what} is nested {depth} levels deep (at most {MAX_DEPTH})")
        if nodes > MAX_NODES:
            raise ConfigError(
                f"{where}: the {what} expands to {nodes if nodes < 10**12 else 'over 10^12'} values once its aliases "
                f"(*name) are followed (at most {MAX_NODES}): an alias bomb, or far larger than any real {what}"
            )
    return root


def _measure(root: yaml.Node) -> tuple[int, int]:
    """(nodes once aliases are expanded, depth), each node visited once (iterative, memoized)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            on_path.discard(key)
            size[key] = min(1 + sum(size.get(id(k), 0) for k in kids), 10**12)
            depth[key] = 1 + max((depth.get(id(k), 0) for k in kids), default=0)
            continue
        if key in size or key in on_path:  # seen (an alias), or a recursive alias
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)
    return size[id(root)], depth[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
