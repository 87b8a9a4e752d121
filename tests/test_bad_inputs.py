"""The bad-input matrix of issue 7, on real files made here, through the real CLI and models.

One library holds every case at once, so the run also proves that no bad file stops the
others. The CLI runs without the DAC-override capability when the tests run as root (root
reads any file, so an unreadable file could not be unreadable otherwise).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest

from .complete import check_tree
from .conftest import ROOT, ffmpeg, ffprobe_streams, require

NAMES = {  # file name -> what it tests
    "-leading dash $(touch PWNED) x.wav": "leading dash, spaces, command substitution",
    "quote's \"double\"; touch PWNED2.wav": "quotes and ;",
    "new\nline 🎧.wav": "newline and emoji",
    "日本語 Лекция العربية.wav": "non-Latin scripts",
}
SPEECH = "Welcome to the course library."


def _speech(tmp: Path) -> np.ndarray:
    from lingoflow.samples import VOICE_A, speak

    return speak([SPEECH], [VOICE_A], tmp)


def _unprivileged() -> list[str]:
    """A command prefix that makes file permissions bind even for root."""
    if os.geteuid() != 0:
        return []
    require(shutil.which("setpriv"), "running as root and util-linux setpriv is absent: cannot make a file unreadable to the run")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", "--"]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    from lingoflow.samples import make_media

    base = tmp_path_factory.mktemp("matrix")
    lib, out, work = base / "library", base / "out", base / "work"
    lib.mkdir(), work.mkdir()
    speech = _speech(work)
    make_media(speech, work / "speech.wav")
    make_media(speech, lib / "good.mp3")
    for name in NAMES:
        shutil.copy(work / "speech.wav", lib / name)
    (lib / "empty.wav").write_bytes(b"")
    (lib / "notes.mp3").write_text("Meeting notes, not audio.\n" * 40)
    # truncated uploads: the first part of a valid file
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=10", "-c:a", "flac", str(work / "full.flac"))
    (lib / "cut-upload.flac").write_bytes((work / "full.flac").read_bytes()[:40000])
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=10", "-f", "lavfi", "-i", "sine=duration=10",
           "-c:v", "libx264", "-c:a", "aac", "-movflags", "+faststart", str(work / "full.mp4"))
    (lib / "cut-upload.mp4").write_bytes((work / "full.mp4").read_bytes()[:60000])
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=10", "-f", "lavfi", "-i", "sine=duration=10",
           "-c:v", "libx264", "-c:a", "aac", str(work / "moov-last.mp4"))
    (lib / "cut-moov.mp4").write_bytes((work / "moov-last.mp4").read_bytes()[:30000])
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=2", "-c:v", "libx264", str(lib / "picture-only.mp4"))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "4", "-c:a", "pcm_s16le", str(lib / "silence.wav"))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=4", "-f", "lavfi", "-i", "sine=frequency=277:duration=4",
           "-f", "lavfi", "-i", "sine=frequency=330:duration=4,volume=0.5", "-filter_complex", "amix=inputs=3,tremolo=f=4",
           "-c:a", "libvorbis", str(lib / "music.ogg"))
    # an 8-channel (7.1) master with the dialogue in the centre channel, as in film mixes
    ffmpeg("-i", str(work / "speech.wav"), "-af", "pan=7.1|FC=c0|FL=0.05*c0|FR=0.05*c0", "-c:a", "flac", str(lib / "master-7.1.flac"))
    locked = lib / "locked.wav"
    shutil.copy(work / "speech.wav", locked)
    locked.chmod(0)
    os.mkfifo(lib / "stream.wav")  # a pipe: reading it would block forever
    os.symlink(work / "deleted.wav", lib / "gone.wav")  # a link to a file that is gone
    (lib / "sub").mkdir()
    os.symlink("..", lib / "sub" / "loop")  # a folder that contains itself
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [*_unprivileged(), sys.executable, "-m", "lingoflow.flows.cli", "localize", str(lib), "--to", "pt", "--asr-model", "tiny.en",
         "--out", str(out), "--quiet"],
        capture_output=True, text=True, cwd=work, env=env,
    )
    report = json.loads((out / "report.json").read_text())
    return proc, lib, out, work, report


def _item(report: dict, source_name: str) -> dict:
    found = [i for i in report["items"] if Path(i["source"]).name == source_name]
    assert len(found) == 1, f"{source_name!r} reported {len(found)} times: {[i['source'] for i in report['items']]}"
    return found[0]


FAILS = {
    "empty.wav": "empty",
    "notes.mp3": "not a media file",
    "cut-upload.flac": "truncated",
    "cut-upload.mp4": "truncated",
    "cut-moov.mp4": "not a media file",
    "picture-only.mp4": "no audio stream",
    "locked.wav": "permission denied",
    "stream.wav": "not a regular file",
    "gone.wav": "no such file",
}


def test_exit_status_1_and_every_file_reported_once(matrix):
    proc, lib, out, work, report = matrix
    assert proc.returncode == 1, proc.stderr
    expected = {*FAILS, *NAMES, "good.mp3", "silence.wav", "music.ogg", "master-7.1.flac"}
    assert sorted(Path(i["source"]).name for i in report["items"]) == sorted(expected)  # the loops walked once
    assert report["failed"] == len(FAILS)


@pytest.mark.parametrize("name,cause", sorted(FAILS.items()))
def test_bad_file_fails_with_its_name_and_cause(matrix, name, cause):
    _, lib, out, _, report = matrix
    item = _item(report, name)
    assert item["status"] == "failed"
    assert name in item["error"] and cause in item["error"].lower(), item["error"]
    assert "\n" not in item["error"]
    folder = out / item["item"]
    assert not folder.exists() or not any(folder.iterdir())  # nothing half-made


@pytest.mark.parametrize("name", [*NAMES, "good.mp3", "master-7.1.flac"])
def test_speech_files_complete_whatever_their_name(matrix, name):
    _, lib, out, _, report = matrix
    item = _item(report, name)
    assert item["status"] == "ok", item["error"]
    folder = out / item["item"]
    transcript = json.loads((folder / "transcript.json").read_text())
    assert "course" in " ".join(s["text"].lower() for s in transcript["segments"])
    assert (folder / "dub.pt.wav").is_file() and (folder / "captions.pt.srt").read_text().strip()
    assert transcript["source"]["uri"] == str((lib / name).absolute())


def test_output_names_are_sanitized_and_inside_out(matrix):
    proc, lib, out, work, report = matrix
    names = [i["item"] for i in report["items"]]
    assert len(set(n.lower() for n in names)) == len(names)
    for n in names:
        assert n and not n.startswith(("-", ".")) and not set(n) & set("/\\\n\"'$;() ")
    for path in out.rglob("*"):
        assert not path.is_symlink()
        assert out.resolve() in path.resolve().parents
    assert {p.name for p in out.iterdir()} <= {*names, "report.json", "report.html", ".lingoflow"}  # .lingoflow: the speaker registry
    # no name was ever run as a command, wherever the shell would have run it
    for where in (work, lib, out, ROOT, Path.cwd()):
        assert not list(where.glob("PWNED*")), where


def test_silence_and_music_give_empty_results_and_a_dub_with_no_speech(matrix):
    _, lib, out, _, report = matrix
    for name, seconds in (("silence.wav", 4.0), ("music.ogg", 4.0)):
        item = _item(report, name)
        assert item["status"] == "ok", item["error"]
        folder = out / item["item"]
        transcript = json.loads((folder / "transcript.json").read_text())
        assert transcript["segments"] == [] and (folder / "transcript.txt").read_text() == ""
        lang = transcript["language"]
        assert (folder / f"captions.{lang}.srt").read_text() == ""
        assert (folder / "captions.pt.vtt").read_text().strip() == "WEBVTT"
        with wave.open(str(folder / "dub.pt.wav")) as w:
            assert abs(w.getnframes() / w.getframerate() - seconds) < 0.05
            dub = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert item["dub_fit"]["pt"]["segments"] == 0  # nothing spoken into it
        if name == "silence.wav":
            assert not dub.any()
        else:  # the original sound stays under the dub (--background original), at full level
            assert np.sqrt(np.mean((dub / 32768.0) ** 2)) > 0.01
        kinds = [s["codec_type"] for s in ffprobe_streams(folder / f"{item['item']}.localized.mka")]
        assert kinds.count("audio") == 2


def test_every_output_is_complete(matrix):
    _, _, out, _, _ = matrix
    assert check_tree(out) == []  # and no temporary left behind
