"""Human references for `lingoflow evaluate`: what a person wrote or labelled for a recording.

Found, for each recording of the library:
- beside it: a caption file or transcript (sidecar.sidecars: lecture.srt, lecture.en.vtt,
  lecture.txt) and an RTTM of the same stem;
- under --references: a file of the same stem (.srt, .vtt, .ass, .txt, .rttm), RTTM/UEM files whose
  lines name the recording (an RTTM's file id is the recording's stem, as in AMI's), and a
  manifest.tsv (file, language, reference_transcript columns; a row ``clip.wav#ch0`` scores the
  clip's first channel alone).
A reference that cannot be read, or that belongs to no recording, is reported as a problem
naming it and skipped; it never stops the others.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LingoflowError

TEXT_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa", ".txt")
SPEAKER_SUFFIXES = (".rttm",)
MANIFEST = "manifest.tsv"


@dataclass
class Reference:
    """Everything known about one recording (or one channel of it)."""

    key: str  # the recording's stem (with -chN for one channel)
    media: str  # the recording
    channel: int | None = None
    language: str | None = None
    text: str | None = None
    text_file: str | None = None
    cues: list[tuple[float, float, str]] = field(default_factory=list)  # timed cues, when the reference has timings
    speakers: object = None  # pyannote Annotation
    speakers_file: str | None = None
    uem: object = None  # pyannote Timeline: the scored regions


@dataclass
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _stem_language(path: Path, stem: str) -> str | None:
    from .. import languages
    from ..errors import ConfigError

    tag = path.name[len(stem):].rsplit(".", 1)[0].lstrip(".")
    try:
        return languages.normalize(tag) if tag else None
    except ConfigError:
        return None


def read_text(path: Path) -> tuple[str, list[tuple[float, float, str]]]:
    """(text, timed cues) of a caption file or transcript; InputError naming it when unreadable."""
    from ..captions.sidecar import Candidate, load_words

    words = load_words(Candidate("sidecar", str(path), None))
    text = " ".join(w.text for w in words)
    cues: dict[int, list] = {}
    for w in words:
        if w.cue_start is not None and w.cue_end is not None:
            cues.setdefault(w.cue, [w.cue_start, w.cue_end, []])[2].append(w.text)
    return text, [(s, e, " ".join(t)) for s, e, t in cues.values()]


def read_rttm(path: Path) -> dict:
    """{file id: pyannote Annotation} of an RTTM file (SPEAKER lines)."""
    from pyannote.core import Annotation, Segment

    out: dict = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        f = line.split()
        if not f or f[0] != "SPEAKER":
            continue
        try:
            start, dur = float(f[3]), float(f[4])
            label = f[7]
        except (IndexError, ValueError) as exc:
            raise ValueError(f"line {n} is not an RTTM SPEAKER line ({exc})") from exc
        ann = out.setdefault(f[1], Annotation(uri=f[1]))
        ann[Segment(start, start + dur), len(ann)] = label
    return out


def read_uem(path: Path) -> dict:
    from pyannote.core import Segment, Timeline

    out: dict = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        f = line.split()
        if f:
            try:
                out.setdefault(f[0], Timeline(uri=f[0])).add(Segment(float(f[2]), float(f[3])))
            except (IndexError, ValueError) as exc:
                raise ValueError(f"line {n} is not a UEM line (file channel start end)") from exc
    return out


def read_manifest(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if rows and not {"file", "reference_transcript"} <= set(rows[0]):
        raise ValueError("a manifest needs the columns file and reference_transcript (language optional)")
    return rows


def collect(recordings: list[str], references_dir: str | None = None) -> tuple[list[Reference], list[Problem]]:
    """The references of `recordings` (paths), and the problems met (unreadable, or no recording)."""
    by_stem = {Path(r).stem: r for r in recordings}
    refs: dict[str, Reference] = {}
    problems: list[Problem] = []

    def ref_for(stem: str, channel: int | None = None) -> Reference:
        key = stem if channel is None else f"{stem}-ch{channel}"
        return refs.setdefault(key, Reference(key, by_stem[stem], channel))

    def add_text(stem: str, path: Path, language: str | None) -> None:
        try:
            text, cues = read_text(path)
        except LingoflowError as exc:
            problems.append(Problem(str(path), str(exc)))
            return
        ref = ref_for(stem)
        if ref.text is None:  # the first found wins (beside the recording before --references)
            ref.text, ref.text_file, ref.cues, ref.language = text, str(path), cues, language

    def add_speakers(path: Path, exact_stem: str | None) -> None:
        try:
            found = read_rttm(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(Problem(str(path), f"not an RTTM file that can be read: {exc}"))
            return
        if exact_stem and len(found) == 1:  # clip.rttm beside clip.wav, whatever file id it carries
            found = {exact_stem: next(iter(found.values()))}
        unmatched = sorted(uri for uri in found if uri not in by_stem)
        if unmatched and len(unmatched) == len(found):
            problems.append(Problem(str(path), f"belongs to no recording (file ids {', '.join(unmatched[:5])})"))
        for uri, ann in found.items():
            if uri in by_stem and ref_for(uri).speakers is None:
                ref = ref_for(uri)
                ref.speakers, ref.speakers_file = ann, str(path)

    from ..captions.sidecar import sidecars

    for stem, media in by_stem.items():  # beside each recording
        for cand in sidecars(media):
            add_text(stem, Path(cand.path), cand.language)
        rttm = Path(media).with_suffix(".rttm")
        if rttm.is_file():
            add_speakers(rttm, stem)
    if references_dir:
        _from_folder(Path(references_dir), by_stem, add_text, add_speakers, ref_for, refs, problems)
    return sorted(refs.values(), key=lambda r: r.key), problems


def _from_folder(root: Path, by_stem, add_text, add_speakers, ref_for, refs, problems) -> None:
    if not root.is_dir():
        raise LingoflowError(f"--references {root}: not a folder")
    uems: dict = {}
    beside = {str(Path(m).with_suffix("")) for m in by_stem.values()}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        suffix = path.suffix.lower()
        if path.name == MANIFEST:
            _manifest(path, by_stem, ref_for, problems)
        elif suffix == ".uem":
            try:
                uems.update(read_uem(path))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                problems.append(Problem(str(path), f"not a UEM file that can be read: {exc}"))
        elif suffix in SPEAKER_SUFFIXES:
            if str(path.with_suffix("")) in beside:
                continue  # already read beside its recording
            add_speakers(path, path.stem if path.stem in by_stem else None)
        elif suffix in TEXT_SUFFIXES:
            stem = next((s for s in sorted(by_stem, key=len, reverse=True) if path.name.startswith(s + ".")), None)
            if stem is None:
                problems.append(Problem(str(path), "belongs to no recording (no recording of the library has its stem)"))
            elif Path(by_stem[stem]).parent != path.parent:  # one beside the recording was read already
                add_text(stem, path, _stem_language(path, stem))
    for ref in refs.values():
        if ref.speakers is not None and ref.channel is None:
            ref.uem = uems.get(ref.key)


def _manifest(path: Path, by_stem, ref_for, problems) -> None:
    try:
        rows = read_manifest(path)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        problems.append(Problem(str(path), f"not a manifest that can be read: {exc}"))
        return
    for row in rows:
        name, text, language = row.get("file") or "", row.get("reference_transcript") or "", row.get("language") or None
        if language and "+" in language:  # a recording mixing languages has no single reference text to score
            problems.append(Problem(f"{path} ({name})", f"language {language}: several languages in one reference; not scored"))
            continue
        base, _, channel = name.partition("#ch")
        stem = Path(base).stem
        if stem not in by_stem:
            problems.append(Problem(f"{path} ({name})", "belongs to no recording of the library"))
            continue
        ref = ref_for(stem, int(channel[0]) if channel[:1].isdigit() else None)
        if ref.text is None:
            ref.text, ref.text_file, ref.language = text, f"{path}:{name}", language
