"""Cues written as SRT and WebVTT through lingoflow's own writers, for tests that need caption files."""
from __future__ import annotations

from lingoflow.store.atomic import write_text
from lingoflow.captions.writers.subtitles import SrtWriter, VttWriter


def write_cue_files(cues, srt_path, vtt_path) -> None:
    for path, writer in ((srt_path, SrtWriter()), (vtt_path, VttWriter())):
        write_text(path, writer.render(cues))
