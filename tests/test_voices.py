"""Voice profile files: validated, with errors that name the file, the line and the cause."""
from pathlib import Path

import pytest

from lingoflow.speakers.diarize.measure import SpeakerInfo
from lingoflow.errors import ConfigError
from lingoflow.speakers.voices import cast, load_library
from tests.conftest import run_cli


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "voices.yaml"
    p.write_text(text)
    return p


def test_default_profiles_load_and_cover_both_pitch_ranges():
    lib = load_library()
    ranges = {p.pitch_range for p in lib.profiles.values()}
    assert ranges == {"low", "high"} and lib.threshold == 0.62  # CAM++ cosine (speaker_registry.LINK_THRESHOLD)


@pytest.mark.parametrize(
    "text, line, cause",
    [
        ("profiles:\n  x:\n    voices:\n      en: {engine: festival}\n", 4, "unknown TTS engine 'festival'"),
        ("profiles:\n  x:\n    pitch_range: medium\n    voices:\n      '*': {engine: espeak-ng}\n", 3, "pitch_range"),
        ("profiles:\n  x:\n    voices:\n      '*': {engine: espeak-ng, pitch: 300}\n", 4, "less than or equal to 99"),
        ("threshold: 0.8\nprofiles: [\n", 3, "not valid YAML"),
        ("speakers:\n  - name: ann\n    clips: [missing.wav]\n    profile: deep\n", 3, "reference clip not found"),
        ("speakers:\n  - name: ann\n    clip: [a.wav]\n    profile: deep\n", 2, "clips"),
    ],
)
def test_bad_file_names_file_line_and_cause(tmp_path, text, line, cause):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_library(path)
    msg = str(err.value)
    assert f"{path}:{line}:" in msg and cause in msg, msg


def test_enrolled_speaker_must_name_a_known_profile(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    path = _write(tmp_path, "speakers:\n  - name: ann\n    clips: [a.wav]\n    profile: nobody\n")
    with pytest.raises(ConfigError, match="unknown profile 'nobody'"):
        load_library(path)


def test_user_profiles_add_to_or_replace_the_defaults(tmp_path):
    extra = "profiles:\n  mine:\n    pitch_range: low\n    voices:\n      '*': {engine: espeak-ng, variant: m2}\n"
    assert {"mine", "deep"} <= set(load_library(_write(tmp_path, extra)).profiles)
    only = load_library(_write(tmp_path, "defaults: false\n" + extra))
    assert set(only.profiles) == {"mine"}


def test_unknown_speakers_get_distinct_pitch_matched_profiles():
    lib = load_library()
    people = [SpeakerInfo("S0", 30, 5, 110.0), SpeakerInfo("S1", 20, 4, 230.0), SpeakerInfo("S2", 10, 2, 120.0), SpeakerInfo("S3", 5, 1, 250.0)]
    casting = cast(people, lib)
    profiles = [casting[p.label].profile for p in people]
    assert len(set(profiles)) == 4
    for p in people:
        assert lib.profiles[casting[p.label].profile].pitch_range == p.pitch_range


def test_cli_rejects_a_bad_voices_file_before_any_audio(tmp_path):
    path = _write(tmp_path, "profiles:\n  x:\n    voices:\n      en: {engine: festival}\n")
    media = tmp_path / "in.wav"
    media.write_bytes(b"not audio")
    proc = run_cli("localize", str(media), "--to", "pt", "--out", str(tmp_path / "out"), "--voices", str(path))
    assert proc.returncode == 2
    assert f"{path}:4:" in proc.stderr and "festival" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_cli_rejects_pyannote_without_its_package(tmp_path):
    import importlib.util

    if importlib.util.find_spec("pyannote.audio") is not None:
        pytest.skip("pyannote.audio is installed here")
    media = tmp_path / "in.wav"
    media.write_bytes(b"not audio")
    proc = run_cli("localize", str(media), "--out", str(tmp_path / "out"), "--diarize-engine", "pyannote")
    assert proc.returncode == 2 and "pyannote.audio" in proc.stderr and "--diarize-engine campp" in proc.stderr


def test_cli_rejects_a_reference_clip_that_is_not_audio(tmp_path):
    (tmp_path / "ann.wav").write_bytes(b"RIFF garbage, not a recording")
    path = _write(tmp_path, "speakers:\n  - name: ann\n    clips: [ann.wav]\n    profile: deep\n")
    media = tmp_path / "in.wav"
    media.write_bytes(b"not audio")
    proc = run_cli("localize", str(media), "--to", "pt", "--out", str(tmp_path / "out"), "--voices", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "speaker 'ann'" in proc.stderr and "ann.wav" in proc.stderr
