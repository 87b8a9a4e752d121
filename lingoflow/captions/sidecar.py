"""Human captions as the source text: a caption file or transcript beside the media
(``lecture.srt``, ``lecture.en.vtt``, ``lecture.ass``, ``lecture.txt``), or a text subtitle
stream inside the container, in the language spoken.

Their text is kept word for word (markup, sound descriptions in brackets and dialogue dashes
removed); word timings come from aligning it to the ASR's words (textalign). A file is used
when its language (from its name, or the stream's tag) is the speech's and, under ``auto``,
when at least MIN_COVERAGE of the words align; otherwise it is reported as rejected and the
ASR transcript stays. ``prefer`` uses a file of the right language however little aligns;
``ignore`` never looks. The transcript's ``text_source`` records what was used.
"""
from __future__ import annotations

import glob
import json
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .. import languages
from . import textalign
from ..errors import ConfigError, InputError, LingoflowError
from ..store.cache import file_sha256
from ..io.media import file_url, run
from ..schema import TextSource, Transcript

SIDECAR_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa", ".txt")  # in order of preference
TEXT_CODECS = {"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"}
MIN_COVERAGE = 0.5
MODES = ("auto", "prefer", "ignore")

_NON_SPEECH = re.compile(r"\[[^\]]*\]|\u266a|\u266b")  # [ music ], [applause], sung-lyrics notes
_DIALOGUE_DASH = re.compile(r"^\s*[-\u2013\u2014]\s+", re.M)


@dataclass
class Candidate:
    kind: str  # "sidecar" or "stream"
    path: str  # the caption file, or the media file holding the stream
    language: str | None  # from the file name or the stream's tag; None: not stated
    stream: int | None = None  # the stream's index among the container's subtitle streams

    @property
    def label(self) -> str:
        return self.record().label

    def record(self, **found) -> TextSource:
        """This candidate in the transcript's ``text_source``, with what was found (coverage, reason)."""
        return TextSource(self.kind, self.path, self.language, self.stream, **found)


def sidecars(media_path: str | Path) -> list[Candidate]:
    """Caption files beside the media: <stem><suffix> or <stem>.<lang><suffix>."""
    media = Path(media_path)
    found = []
    for name in glob.glob(glob.escape(str(media.parent / media.stem)) + ".*"):
        path = Path(name)
        rest = path.name[len(media.stem):]
        suffix = next((s for s in SIDECAR_SUFFIXES if rest.lower().endswith(s)), None)
        if suffix is None or not path.is_file():
            continue
        tag = rest[: -len(suffix)].lstrip(".")
        try:
            language = languages.normalize(tag) if tag else None
        except ConfigError:
            continue  # lecture.notes.txt: not a caption of this file
        found.append((SIDECAR_SUFFIXES.index(suffix), path.name, Candidate("sidecar", str(path), language)))
    return [c for *_, c in sorted(found, key=lambda f: (f[0], f[1]))]


def streams(media_path: str | Path) -> list[Candidate]:
    """The container's text subtitle streams (bitmap subtitles have no text to keep)."""
    args = ["ffprobe", "-v", "error", "-select_streams", "s", "-show_entries", "stream=index,codec_name:stream_tags=language",
            "-of", "json", file_url(media_path)]
    data = json.loads(run(args, "list its subtitle streams", media_path).stdout or b"{}")
    found = []
    for n, s in enumerate(data.get("streams", [])):
        if s.get("codec_name") not in TEXT_CODECS:
            continue
        tag = (s.get("tags") or {}).get("language")
        try:
            language = languages.normalize(tag) if tag and tag != "und" else None
        except ConfigError:
            language = None
        found.append(Candidate("stream", str(media_path), language, n))
    return found


def candidates(media_path: str | Path, language: str, subtitles: int | None = None) -> list[Candidate]:
    """Sidecars, then streams; within each, those in `language` before those that do not say.
    `subtitles`: how many subtitle streams the container has, when the probe said (0: none to list)."""
    found = sidecars(media_path) + (streams(media_path) if subtitles != 0 else [])
    return sorted(found, key=lambda c: 0 if c.language == language else 1 if c.language is None else 2)


def fingerprint(media_path: str | Path, mode: str) -> dict | None:
    """What the transcribe stage's key needs: the sidecars' bytes (a stream is in the source's)."""
    if mode == "ignore":
        return None
    return {"mode": mode, "sidecars": {Path(c.path).name: file_sha256(c.path) for c in sidecars(media_path)}}


def load_words(candidate: Candidate) -> list[textalign.HumanWord]:
    """The candidate's words, in order, each with its cue (InputError naming the file when unreadable)."""
    if candidate.kind == "stream":
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "stream.srt"
            run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", file_url(candidate.path),
                 "-map", f"0:s:{candidate.stream}", "-f", "srt", file_url(out)], "extract its subtitle stream", candidate.path)
            return _caption_words(out, candidate.label)
    if candidate.path.lower().endswith(".txt"):
        return _text_words(Path(candidate.path))
    return _caption_words(Path(candidate.path), candidate.label)


def _caption_words(path: Path, label: str) -> list[textalign.HumanWord]:
    import pysubs2

    try:
        subs = pysubs2.load(str(path), encoding="utf-8")
    except (UnicodeDecodeError, pysubs2.exceptions.Pysubs2Error, ValueError) as exc:
        raise InputError(label, f"not a caption file that can be read ({type(exc).__name__}: {exc})") from exc
    words = []
    events = sorted((e for e in subs if not e.is_comment and not e.is_drawing), key=lambda e: (e.start, e.end))
    for k, event in enumerate(events):
        text = _DIALOGUE_DASH.sub("", _NON_SPEECH.sub(" ", event.plaintext))
        words += [textalign.HumanWord(w, event.start / 1000, event.end / 1000, k) for w in text.split()]
    return words


def _text_words(path: Path) -> list[textalign.HumanWord]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"a transcript must be UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    lines = [_NON_SPEECH.sub(" ", line) for line in text.splitlines()]
    return [textalign.HumanWord(w, cue=k) for k, line in enumerate(lines) for w in line.split()]


def apply_source_captions(transcript: Transcript, media_path: str | Path, mode: str = "auto",
                          min_coverage: float = MIN_COVERAGE, subtitles: int | None = None) -> tuple[Transcript, TextSource | None]:
    """The transcript with the first usable human captions' text (and ``text_source`` saying
    which, and how much aligned); with none found, the transcript unchanged and None; with
    only rejected ones, the ASR transcript with ``text_source`` listing them."""
    if mode not in MODES:
        raise ConfigError(f"--source-captions must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "ignore":
        return transcript, None
    found = candidates(media_path, transcript.language, subtitles)
    if not found:
        return transcript, None
    asr_words = [w for s in transcript.segments for w in s.words]
    rejected = []
    for cand in found:
        if cand.language and cand.language != transcript.language:
            rejected.append(cand.record(reason=f"its language is {cand.language}, the speech is in {transcript.language}"))
            continue
        try:
            human = load_words(cand)
        except LingoflowError as exc:
            rejected.append(cand.record(reason=str(exc)))
            continue
        if not human:
            rejected.append(cand.record(reason="it holds no text"))
            continue
        result = textalign.align(human, asr_words, transcript.language, (0.0, transcript.source.duration))
        if result.coverage < min_coverage and mode == "auto":
            rejected.append(cand.record(coverage=result.coverage,
                                        reason=f"only {result.coverage:.0%} of its words align with the speech (at least {min_coverage:.0%} needed)"))
            continue
        record = cand.record(coverage=result.coverage, aligned_words=sum(result.aligned), words=len(human), rejected=rejected)
        segments = textalign.segments(result.words, human, transcript.language)
        return replace(transcript, segments=segments, text_source=record), record
    record = TextSource("asr", rejected=rejected)
    return replace(transcript, text_source=record), record


def describe(record: TextSource | None) -> list[str]:
    """The report's lines for a transcript's text source (empty for plain ASR with nothing found)."""
    if not record:
        return []
    used = record.kind != "asr"
    lines = [f"{r.label} rejected: {r.reason}" + ("" if used else "; ASR used") for r in record.rejected]
    if used:
        lines.append(f"human captions used: {record.label}, {record.coverage:.0%} aligned "
                     f"({record.aligned_words}/{record.words} words timed by the ASR)")
    return lines
