"""Check that an output file is whole: it parses, or plays, to its end (issue 7)."""
from __future__ import annotations

import json
import re
import subprocess
import wave
from pathlib import Path

import pysubs2

PART = re.compile(r"^\..*\.part(\.[^.]+)?$")  # lingoflow.store.atomic's temporary names


def check_complete(path: Path) -> None:
    """Raise AssertionError unless the file is complete for its type."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".json":
        json.loads(data.decode("utf-8"))
    elif suffix in {".html", ".css", ".js"}:  # the review pages
        text = data.decode("utf-8")
        assert suffix != ".html" or text.rstrip().endswith("</html>"), f"{path}: page cut off"
    elif suffix == ".txt":
        text = data.decode("utf-8")
        assert text == "" or text.endswith("\n"), f"{path}: text does not end with its final newline"
    elif suffix in {".srt", ".vtt"}:
        text = data.decode("utf-8")
        subs = pysubs2.SSAFile.from_string(text, format_="srt" if suffix == ".srt" else "vtt") if text.strip() else []
        arrows = text.count("-->")
        assert len(subs) == arrows, f"{path}: {arrows} cue timings but {len(subs)} cues parse"
        if suffix == ".vtt":
            assert text.startswith("WEBVTT"), f"{path}: no WEBVTT header"
        assert text == "" or text.endswith("\n") or suffix == ".vtt" and text.strip() == "WEBVTT", f"{path}: cut off"
    elif suffix == ".rttm":  # speakers.rttm: one whole SPEAKER line a turn
        text = data.decode("utf-8")
        assert text == "" or text.endswith("\n"), f"{path}: cut off"
        for line in text.splitlines():
            fields = line.split()
            assert len(fields) == 10 and fields[0] == "SPEAKER", f"{path}: not a whole RTTM line: {line!r}"
    elif suffix == ".wav":
        with wave.open(str(path), "rb") as w:
            expected = w.getnframes() * w.getnchannels() * w.getsampwidth()
            got = len(w.readframes(w.getnframes()))
        assert got == expected, f"{path}: header says {expected} bytes of samples, file holds {got}"
        _decodes(path)
    elif suffix in {".mka", ".mkv", ".mp4", ".mov", ".webm", ".flac", ".mp3", ".ogg", ".m4a"}:
        _decodes(path)
    else:
        raise AssertionError(f"{path}: unexpected output type")


def _decodes(path: Path) -> None:
    """ffmpeg decodes every stream to the end with no error at all (-xerror)."""
    proc = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-xerror", "-i", f"file:{path.absolute()}",
         "-map", "0", "-c:s", "ass", "-f", "null", "-"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0 and not proc.stderr.strip(), f"{path}: does not decode to its end: {proc.stderr.strip()[-300:]}"


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())


def check_tree(root: Path) -> list[Path]:
    """Every file under root complete; temporaries (hidden .part files) returned, not checked."""
    parts = []
    for p in all_files(root):
        if PART.match(p.name):
            parts.append(p)
        else:
            check_complete(p)
    return parts
