"""Remux: the source's streams copied untouched, plus each dub track and each caption file.

Video keeps its container family (MP4 for MP4/MOV/M4V input, MKV otherwise); audio-only
input becomes MKA. Every added stream carries its ISO 639-2 language tag.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import ffmpeg

from .. import languages
from ..store.atomic import atomic_path
from .media import MediaInfo, ffmpeg_args, file_url, run

_MP4_FAMILY = {".mp4", ".mov", ".m4v"}


@dataclass
class Track:
    path: str
    language: str  # ISO 639-1


def output_suffix(info: MediaInfo) -> str:
    if not info.has_video:
        return ".mka"
    return ".mp4" if os.path.splitext(info.path)[1].lower() in _MP4_FAMILY else ".mkv"


def mux(info: MediaInfo, source_language: str | None, dubs: list[Track], subtitles: list[Track], out_path: str | os.PathLike) -> None:
    suffix = os.path.splitext(str(out_path))[1]
    mp4 = suffix == ".mp4"
    src = ffmpeg.input(file_url(info.path))
    streams = [src["v?"], src["a"]] if info.has_video else [src["a"]]
    if info.has_video:
        streams.append(src["s?"])
    original_subs = info.subtitle_count if info.has_video else 0
    opts: dict[str, str] = {"c": "copy"}
    n_audio = len(info.audio_streams)
    for k, dub in enumerate(dubs):
        streams.append(ffmpeg.input(file_url(dub.path))["a"])
        idx = n_audio + k
        opts[f"c:a:{idx}"] = "aac"
        opts[f"b:a:{idx}"] = "128k"
        opts[f"metadata:s:a:{idx}"] = f"language={languages.to_iso639_2(dub.language)}"
        opts[f"disposition:a:{idx}"] = "0"
    if source_language and (info.audio.language or "und") == "und":
        opts[f"metadata:s:a:{info.audio.audio_index}"] = f"language={languages.to_iso639_2(source_language)}"
    for j, sub in enumerate(subtitles):
        streams.append(ffmpeg.input(file_url(sub.path), f="srt")["s"])
        idx = original_subs + j
        opts[f"c:s:{idx}"] = "mov_text" if mp4 else "srt"
        opts[f"metadata:s:s:{idx}"] = f"language={languages.to_iso639_2(sub.language)}"
    if mp4:
        opts["movflags"] = "+faststart"
    with atomic_path(out_path) as tmp:
        graph = ffmpeg.output(*streams, file_url(tmp), **opts, f="mp4" if mp4 else "matroska")
        run(ffmpeg_args(graph), "write the localized container", info.path)
