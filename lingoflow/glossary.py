"""Glossaries: YAML term lists, validated, merged, and matched in source text.

Format (one file a domain; several files can be given, a later one overriding an earlier
one's translation of a term, language by language)::

    source_language: en
    terms:
      course library: {pt: acervo de cursos, es: biblioteca de cursos}
      quiz: {pt: questionário}
    do_not_translate: [Prefect, MinIO]

Matching is case-insensitive on whole words (a term never matches inside a longer word),
the longest term wins where two overlap, and whitespace inside a term matches any run of
whitespace. Enforcement during translation is in ``lingoflow.mt.constrained``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import languages, yamlsafe
from .errors import ConfigError

GLOSSARY_SUFFIXES = (".yaml", ".yml")


class _GlossaryFile(BaseModel):
    """The schema of one file, as written by a user."""

    model_config = ConfigDict(extra="forbid")

    source_language: str = Field(description="ISO 639-1 code of the language the terms are written in")
    terms: dict[str, dict[str, str]] = Field(default_factory=dict)  # shapes checked in _check_terms
    do_not_translate: list[str] = Field(default_factory=list)

    @field_validator("source_language")
    @classmethod
    def _source(cls, value: str) -> str:
        try:
            return languages.normalize(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("terms", mode="before")
    @classmethod
    def _no_terms(cls, value):
        return {} if value is None else value

    @field_validator("do_not_translate", mode="before")
    @classmethod
    def _dnt(cls, value):
        if value is None:
            return []
        if isinstance(value, list):
            for name in value:
                if not isinstance(name, str) or not name.strip():
                    raise ValueError(f"do_not_translate entries must be non-empty text, got {name!r}")
        return value


@dataclass(frozen=True)
class Term:
    source: str  # as written in the glossary
    targets: dict[str, str]  # language -> required translation
    keep: bool = False  # do_not_translate: the source form in every language
    origin: str = ""  # file:line it came from

    def target(self, language: str) -> str | None:
        return self.source if self.keep else self.targets.get(language)


@dataclass
class Glossary:
    """Terms by source language, merged from one or more files in order."""

    files: list[str] = field(default_factory=list)
    by_language: dict[str, dict[str, Term]] = field(default_factory=dict)  # source lang -> key -> Term
    _patterns: dict[tuple[str, str], tuple] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return any(self.by_language.values())

    def terms(self, source: str, target: str | None = None) -> list[Term]:
        """Terms written in `source` (with a translation into `target`, when given)."""
        found = list(self.by_language.get(source, {}).values())
        return [t for t in found if target is None or t.target(target) is not None]

    def _compiled(self, source: str, target: str) -> tuple[re.Pattern | None, list[Term]]:
        key = (source, target)
        if key not in self._patterns:
            terms = sorted(self.terms(source, target), key=lambda t: len(t.source), reverse=True)
            alternatives = [r"\s+".join(re.escape(w) for w in t.source.split()) for t in terms]
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(f"({a})" for a in alternatives) + r")(?!\w)", re.IGNORECASE) if terms else None
            self._patterns[key] = (pattern, terms)
        return self._patterns[key]

    def find(self, text: str, source: str, target: str) -> list[tuple[int, int, Term]]:
        """Non-overlapping matches (start, end, term), left to right, longest term first."""
        pattern, terms = self._compiled(source, target)
        if pattern is None:
            return []
        return [(m.start(), m.end(), terms[m.lastindex - 1]) for m in pattern.finditer(text)]

    def hotwords(self, source: str | None = None, limit_chars: int = 600) -> str | None:
        """Source terms for ASR biasing: names first, then terms; trimmed to fit Whisper's prompt."""
        langs = [source] if source else list(self.by_language)
        terms = [t for lang in langs for t in self.by_language.get(lang, {}).values()]
        ordered = [t.source for t in terms if t.keep] + [t.source for t in terms if not t.keep]
        out: list[str] = []
        for word in dict.fromkeys(ordered):
            if len(", ".join([*out, word])) > limit_chars:
                break
            out.append(word)
        return ", ".join(out) or None




def _key(term: str) -> str:
    return " ".join(term.casefold().split())


def _lines(node: yaml.Node) -> dict[tuple, int]:
    """Path of keys/indices -> 1-based line, from the composed YAML tree (for error messages)."""
    out: dict[tuple, int] = {}

    def walk(n: yaml.Node, path: tuple) -> None:
        out[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else None
                out[(*path, key, "@key")] = k.start_mark.line + 1
                walk(v, (*path, key))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*path, i))

    walk(node, ())
    return out


def _duplicate_keys(node: yaml.Node) -> list[tuple[str, int]]:
    """Keys given twice in one mapping (safe_load keeps the last silently): (key, line)."""
    dups: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                key = _key(k.value)
                if key in seen:
                    dups.append((k.value, k.start_mark.line + 1))
                seen.add(key)
            dups += _duplicate_keys(v)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            dups += _duplicate_keys(v)
    return dups


def load_file(path: str | os.PathLike) -> tuple[_GlossaryFile, dict[tuple, int]]:
    """Parse and validate one file; ConfigError names the file, the line and the cause."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where}: glossary file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the glossary: {exc}") from None
    yamlsafe.check(text, where, "glossary")  # alias bombs, deep nesting: ConfigError, in linear time
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{where}{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}, line 1: a glossary is a mapping with source_language, terms and do_not_translate")
    lines = _lines(node)
    for key, line in _duplicate_keys(node):
        raise ConfigError(f"{where}, line {line}: {key!r} is given twice")
    _check_terms(data.get("terms"), where, lines)
    try:
        parsed = _GlossaryFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
        if loc and loc[0] in _SHAPES and len(loc) == 1 and err["type"].endswith("_type"):
            cause = _SHAPES[loc[0]]
        elif err["type"] == "extra_forbidden":
            line = lines.get((loc[0], "@key"), line)
            cause = f"unknown field {loc[-1]!r} (expected source_language, terms, do_not_translate)"
        elif err["type"] == "missing":
            cause = f"missing field {loc[-1]!r}"
        else:
            cause = f"{'.'.join(map(str, loc))}: {err['msg'].removeprefix('Value error, ')}"
        raise ConfigError(f"{where}{f', line {line}' if line else ''}: {cause}") from None
    _check_target_languages(parsed, where, lines)
    return parsed, lines


_SHAPES = {
    "terms": "terms must be a mapping of source terms to translations, e.g. quiz: {pt: questionário}",
    "do_not_translate": "do_not_translate must be a list of names, e.g. [Moodle, SCORM]",
    "source_language": "source_language must be a language code such as en",
}


def _check_terms(terms, where: str, lines: dict[tuple, int]) -> None:
    """Each term maps languages to non-empty translations (checked here for exact line numbers)."""
    if not isinstance(terms, dict):
        return  # None, or the wrong shape: pydantic reports it
    for term, targets in terms.items():
        line = lines.get(("terms", term), lines.get(("terms",), "?"))
        if not isinstance(term, str) or not term.strip():
            raise ConfigError(f"{where}, line {line}: a term must be non-empty text, got {term!r}")
        if not isinstance(targets, dict) or not targets:
            raise ConfigError(f"{where}, line {line}: term {term!r} needs a mapping of languages to translations, e.g. {{pt: ...}}")
        for lang, text in targets.items():
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"{where}, line {lines.get(('terms', term, lang), line)}: term {term!r}: the {lang} translation must be non-empty text, got {text!r}")


def _check_target_languages(parsed: _GlossaryFile, where: str, lines: dict[tuple, int]) -> None:
    for term, targets in parsed.terms.items():
        for lang in list(targets):
            try:
                languages.normalize(lang)
            except ConfigError as exc:
                raise ConfigError(f"{where}, line {lines.get(('terms', term, lang), '?')}: term {term!r}: {exc}") from None


def load(paths: list[str | os.PathLike]) -> Glossary:
    """Merge glossary files in order: a later file overrides an earlier one's term, per language."""
    glossary = Glossary(files=[str(p) for p in paths])
    for path in paths:
        parsed, lines = load_file(path)
        bucket = glossary.by_language.setdefault(parsed.source_language, {})
        for term, targets in parsed.terms.items():
            key = _key(term)
            merged = {languages.normalize(k): " ".join(v.split()) for k, v in targets.items()}
            previous = bucket.get(key)
            if previous is not None and not previous.keep:
                merged = {**previous.targets, **merged}
            bucket[key] = Term(" ".join(term.split()), merged, False, f"{path}:{lines.get(('terms', term, '@key'), '?')}")
        for i, name in enumerate(parsed.do_not_translate):
            bucket[_key(name)] = Term(" ".join(name.split()), {}, True, f"{path}:{lines.get(('do_not_translate', i), '?')}")
    return glossary


_cache: dict[tuple, Glossary] = {}


def load_cached(paths: list[str] | tuple[str, ...]) -> Glossary:
    """`load`, memoized on the files' paths, sizes and modification times."""
    key = tuple((str(p), *_stat(p)) for p in paths)
    if key not in _cache:
        _cache[key] = load(list(paths))
    return _cache[key]


def _stat(path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def expand(paths: list[str]) -> list[str]:
    """Files as given; a folder stands for its *.yaml/*.yml files in name order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += [str(f) for f in sorted(path.iterdir()) if f.suffix.lower() in GLOSSARY_SUFFIXES and f.is_file()]
        else:
            out.append(str(path))
    return out
