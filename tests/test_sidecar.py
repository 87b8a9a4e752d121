"""Human captions as the source (issue 21), on real recordings of ../shared/eval: a caption file
or transcript beside the media, or a subtitle stream inside it, becomes the transcript word for
word, timed by the ASR; one that is not what was said is rejected and the ASR text kept."""
from __future__ import annotations

import difflib
import re
import shutil

import pytest

from lingoflow.captions import sidecar
from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.pipeline import transcribe as transcribe_stage
from lingoflow.config import LocalizeOptions
from lingoflow.schema import Transcript

from .conftest import ffmpeg, ffprobe_streams

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
JFK_SRT = ("1\n00:00:00,000 --> 00:00:05,200\nAnd so my fellow Americans,\nask not what your country can do for you,\n\n"
           "2\n00:00:05,200 --> 00:00:11,000\n- ask what you can do for your country.\n")
ASR = LocalizeOptions(asr_model="tiny.en", source_captions="ignore")


def _asr(path) -> Transcript:
    return transcribe(ingest(str(path)), ASR)


def _norm(text: str) -> str:
    return re.sub(r"[^\w]", "", text.lower())


def _shared_word_offsets(human: Transcript, asr: Transcript) -> list[float]:
    """For the words both transcripts share (same normalized word, in order), how far apart their timings are."""
    hw = [w for s in human.segments for w in s.words]
    aw = [w for s in asr.segments for w in s.words]
    matcher = difflib.SequenceMatcher(None, [_norm(w.text) for w in hw], [_norm(w.text) for w in aw], autojunk=False)
    return [max(abs(hw[i + k].start - aw[j + k].start), abs(hw[i + k].end - aw[j + k].end))
            for i, j, n in matcher.get_matching_blocks() for k in range(n)]


def _text(t: Transcript) -> str:
    return " ".join(s.text for s in t.segments)


@pytest.fixture(scope="module")
def jfk_asr(eval_dir):
    return _asr(eval_dir / "asr" / "en_jfk.flac")


def test_srt_beside_the_media_becomes_the_transcript_word_for_word(eval_dir, tmp_path, jfk_asr):
    media = tmp_path / "lecture.flac"
    shutil.copyfile(eval_dir / "asr" / "en_jfk.flac", media)
    (tmp_path / "lecture.srt").write_text(JFK_SRT, encoding="utf-8")
    t = transcribe(ingest(str(media)), LocalizeOptions(asr_model="tiny.en"))  # auto, the default
    assert _text(t) == JFK  # the dialogue dash is layout, not a word
    assert [w.text for s in t.segments for w in s.words] == JFK.split()
    assert t.text_source.kind == "sidecar" and t.text_source.path == str(tmp_path / "lecture.srt")
    assert t.text_source.coverage >= 0.8
    offsets = _shared_word_offsets(t, jfk_asr)
    assert len(offsets) >= 18 and max(offsets) <= 0.3
    words = [w for s in t.segments for w in s.words]
    assert all(a.start <= a.end <= b.start + 1e-6 for a, b in zip(words, words[1:]))
    # the record survives the JSON form, and the report says what was used
    assert Transcript.from_dict(t.to_dict()).text_source == t.text_source
    assert sidecar.describe(t.text_source)[0].startswith(f"human captions used: {tmp_path / 'lecture.srt'}, ")


def test_plain_transcript_of_an_ljspeech_clip(eval_dir, tmp_path):
    media = tmp_path / "LJ002-0035.wav"
    shutil.copyfile(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav", media)
    asr = _asr(media)
    (tmp_path / "LJ002-0035.en.txt").write_text("EIGHT THE PRESS YARD\n", encoding="utf-8")  # manifest.tsv's reference
    t, info = sidecar.apply_source_captions(asr, media, "auto")
    assert _text(t) == "EIGHT THE PRESS YARD" and info.kind == "sidecar" and info.language == "en"
    offsets = _shared_word_offsets(t, asr)
    assert len(offsets) >= 3 and max(offsets) <= 0.3
    assert t.segments[0].words[0].start >= 0.0 and t.segments[-1].end <= asr.source.duration + 1e-6


def test_captions_of_another_recording_are_rejected_and_the_asr_kept(eval_dir, tmp_path):
    media = tmp_path / "talk.wav"
    shutil.copyfile(eval_dir / "asr" / "en_fw_stereo_diarization.wav", media)
    (tmp_path / "talk.srt").write_text(JFK_SRT, encoding="utf-8")
    asr = _asr(media)
    t = transcribe(ingest(str(media)), LocalizeOptions(asr_model="tiny.en"))
    assert _text(t) == _text(asr) and "curtain" in _text(t)
    assert t.text_source.kind == "asr"
    (rejected,) = t.text_source.rejected
    assert rejected.path == str(tmp_path / "talk.srt") and rejected.coverage < sidecar.MIN_COVERAGE
    (line,) = sidecar.describe(t.text_source)
    assert line.startswith(f"{tmp_path / 'talk.srt'} rejected: only ") and line.endswith("ASR used")
    # prefer: the human text however little aligns, timed inside its own cues
    t, info = sidecar.apply_source_captions(asr, media, "prefer")
    assert _text(t) == JFK and info.coverage < sidecar.MIN_COVERAGE
    words = [w for s in t.segments for w in s.words]
    assert all(0 <= a.start <= a.end <= b.start + 1e-6 for a, b in zip(words, words[1:]))


def test_mkv_with_an_english_subtitle_stream(eval_dir, tmp_path, jfk_asr):
    (tmp_path / "ref.srt").write_text(JFK_SRT, encoding="utf-8")
    media = tmp_path / "speech" / "speech.mkv"
    media.parent.mkdir()
    ffmpeg("-i", str(eval_dir / "asr" / "en_jfk.flac"), "-i", str(tmp_path / "ref.srt"), "-map", "0:a", "-map", "1:s",
           "-c:a", "copy", "-c:s", "srt", "-metadata:s:s:0", "language=eng", str(media))
    assert [s["codec_type"] for s in ffprobe_streams(media)] == ["audio", "subtitle"]
    t = transcribe(ingest(str(media)), LocalizeOptions(asr_model="tiny.en"))
    assert _text(t) == JFK
    assert t.text_source.kind == "stream" and t.text_source.stream == 0 and t.text_source.language == "en"
    offsets = _shared_word_offsets(t, jfk_asr)
    assert len(offsets) >= 18 and max(offsets) <= 0.3
    # ignore: the ASR's own text (tiny.en writes "And so," with a comma the human text has not)
    assert _text(transcribe(ingest(str(media)), ASR)) == _text(jfk_asr)


def test_a_caption_in_another_language_is_never_the_source(tmp_path, jfk_asr):
    media = tmp_path / "lecture.flac"
    media.write_bytes(b"not read here")
    (tmp_path / "lecture.de.srt").write_text(JFK_SRT, encoding="utf-8")
    (tmp_path / "lecture.notes.txt").write_text("not a caption", encoding="utf-8")
    assert [c.language for c in sidecar.sidecars(media)] == ["de"]
    t, info = sidecar.apply_source_captions(jfk_asr, media, "prefer")
    assert t.segments == jfk_asr.segments and info.rejected[0].reason == "its language is de, the speech is in en"


def test_webvtt_quirks_leave_only_the_spoken_words(eval_dir):
    vtt = eval_dir / "captions" / "wwa_captions_en.vtt"
    words = sidecar.load_words(sidecar.Candidate("sidecar", str(vtt), "en"))
    text = " ".join(w.text for w in words)
    assert text.startswith("You want these people. They order your products, sign up for your services,")
    assert not re.search(r"[<>{}\\]|music|Narrator|NOTE|-->|WEBVTT|quotable|position:", text)
    assert all(w.cue_start < w.cue_end for w in words)


def test_transcribe_key_follows_the_sidecar_bytes_and_the_mode(eval_dir, tmp_path):
    media = tmp_path / "lecture.flac"
    shutil.copyfile(eval_dir / "asr" / "en_jfk.flac", media)
    ingested = ingest(str(media))
    auto = LocalizeOptions(asr_model="tiny.en")
    before = transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": auto})
    (tmp_path / "lecture.srt").write_text(JFK_SRT, encoding="utf-8")
    with_file = transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": auto})
    (tmp_path / "lecture.srt").write_text(JFK_SRT.replace("country.", "country!"), encoding="utf-8")
    edited = transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": auto})
    assert len({before, with_file, edited, transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": ASR})}) == 4


def test_a_container_the_probe_found_no_subtitle_stream_in_is_not_probed_again(eval_dir, monkeypatch):
    ingested = ingest(str(eval_dir / "asr" / "en_jfk.flac"))
    assert ingested.info.subtitle_count == 0 and ingested.info.audio.codec == "flac" and ingested.info.audio.channels == 2
    monkeypatch.setattr(sidecar, "streams", lambda path: pytest.fail("a second probe for subtitle streams"))
    assert sidecar.candidates(ingested.info.path, "en", ingested.info.subtitle_count) == []
