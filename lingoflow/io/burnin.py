"""Captions burned into the picture (for social video, where players show no subtitle track):
a copy of the localized container whose video carries one language's captions, drawn by
ffmpeg's libass ``ass`` filter in the writers' default ASS style with DejaVu Sans (Debian's
fonts-dejavu-core, which the Makefile installs). Every audio track of the localized container
is copied as it is (the original and each dub, with their language tags); the caption tracks
are left out, their text being in the picture. The video is re-encoded with H.264."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..store.atomic import atomic_path
from ..errors import InputError, ToolError
from .media import file_url, probe, run
from ..paths import cache_dir

FONT_FAMILY = "DejaVu Sans"
VIDEO_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]


def output_name(stem: str, language: str, container: str | os.PathLike) -> str:
    """<item>.burned-in.<lang>.mp4|mkv: the localized container's family."""
    return f"{stem}.burned-in.{language}{'.mp4' if str(container).endswith('.mp4') else '.mkv'}"


def font_file() -> Path:
    """DejaVu Sans, found by fontconfig (ToolError saying what to install when it is missing)."""
    try:
        listed = subprocess.run(["fc-list", f"{FONT_FAMILY}:style=Book", "file"], capture_output=True, text=True, check=True).stdout
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise ToolError(f"fontconfig's fc-list is needed to burn captions in ({exc}); install it: apt-get install -y fontconfig fonts-dejavu-core") from exc
    files = sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    if not files:
        raise ToolError(f"the {FONT_FAMILY} font is needed to burn captions in; install it: apt-get install -y fonts-dejavu-core")
    return Path(files[0])


def burn_in(container: str | os.PathLike, captions_srt: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Write out_path: the container's video with the SRT's cues drawn in, its audio tracks copied."""
    import pysubs2

    from ..captions.writers.ass import restyled

    info = probe(container)
    if not info.has_video:
        raise InputError(str(container), "no video to burn captions into (audio only)")
    try:
        subs = restyled(pysubs2.load(str(captions_srt), encoding="utf-8", format_="srt"))
    except (OSError, UnicodeDecodeError, pysubs2.exceptions.Pysubs2Error) as exc:
        raise InputError(str(captions_srt), f"cannot read the captions to burn in ({exc})") from exc
    font = font_file()
    (cache_dir() / "work").mkdir(parents=True, exist_ok=True)
    # the filter reads the files by names relative to a private folder: a path inside a filter
    # graph would need escaping of ':', ',', quotes and brackets, which an output root may hold
    with tempfile.TemporaryDirectory(dir=cache_dir() / "work") as work, atomic_path(out_path) as tmp:
        (Path(work) / "fonts").mkdir()
        shutil.copyfile(font, Path(work) / "fonts" / font.name)
        subs.save(str(Path(work) / "captions.ass"), encoding="utf-8")
        mp4 = str(out_path).endswith(".mp4")
        args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", file_url(container),
                "-map", "0:v:0", "-map", "0:a", "-vf", "ass=filename=captions.ass:fontsdir=fonts", *VIDEO_ARGS,
                "-c:a", "copy", "-map_metadata", "0", *(["-movflags", "+faststart"] if mp4 else []),
                "-f", "mp4" if mp4 else "matroska", file_url(tmp)]
        run(args, "burn the captions into the video", container, cwd=work)
    return Path(out_path)
