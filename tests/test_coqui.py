"""The Coqui TTS engine through a tiny randomly initialised VITS model built here (no weights on
any registry): its audio is noise, but loading, synthesis and the engine's plumbing run for real.
Needs the optional extra: `make coqui` (docs/voices.md)."""
from __future__ import annotations

import importlib.util
import wave

import pytest

if importlib.util.find_spec("TTS") is None:
    pytest.skip("Coqui TTS extra not installed (run `make coqui`)", allow_module_level=True)

from lingoflow.dub import track as dub
from lingoflow.errors import ConfigError, EngineUnavailable
from lingoflow.dub.tts import Voice, get_engine
from lingoflow.dub.tts.coqui import XTTS_V2

RATE = 16000


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory):
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    torch.manual_seed(0)
    args = VitsArgs(
        hidden_channels=16, hidden_channels_ffn_text_encoder=32, num_heads_text_encoder=2, num_layers_text_encoder=1,
        num_layers_posterior_encoder=1, num_layers_flow=1, use_sdp=False, init_discriminator=False,
        resblock_kernel_sizes_decoder=[3], resblock_dilation_sizes_decoder=[[1, 3, 5]],
        upsample_rates_decoder=[8, 8, 4], upsample_initial_channel_decoder=32, upsample_kernel_sizes_decoder=[16, 16, 8],
    )
    config = VitsConfig(
        model_args=args, text_cleaner="basic_cleaners", use_phonemes=False,
        audio=BaseAudioConfig(sample_rate=RATE, hop_length=256, win_length=1024, fft_size=1024),
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters", characters="abcdefghijklmnopqrstuvwxyz",
            punctuations="!'(),-.:;? ", pad="<PAD>", eos="<EOS>", bos="<BOS>", blank="<BLNK>",
        ),
    )
    model = Vits(config)
    folder = tmp_path_factory.mktemp("tiny-vits")
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder


def test_vits_model_synthesizes_through_the_engine(tiny_vits, tmp_path):
    engine = get_engine("coqui")
    voice = Voice(engine="coqui", language="en", name=str(tiny_vits))
    out = tmp_path / "a.wav"
    engine.synthesize("hello there, this is a test.", voice, out)
    with wave.open(str(out)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        assert w.getnframes() > RATE // 10
    # the cache identity follows the model's bytes and the voice settings
    assert engine.identity(voice) == engine.identity(Voice(engine="coqui", language="en", name=str(tiny_vits)))
    assert engine.identity(voice) != engine.identity(Voice(engine="coqui", language="pt", name=str(tiny_vits)))
    # and the clip goes through the dub fit like any other engine's
    stats = dub.build_track([dub.DubClip(0, 0.5, 3.0, str(out))], 4.0, 48000, tmp_path / "dub.wav", tmp_path)
    assert len(stats.placements) in (0, 1)  # noise may trim to nothing; the track is still written
    with wave.open(str(tmp_path / "dub.wav")) as w:
        assert abs(w.getnframes() / 48000 - 4.0) < 0.05


def test_missing_local_model_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no .pth checkpoint"):
        get_engine("coqui").synthesize("hi", Voice(engine="coqui", language="en", name=str(tmp_path)), tmp_path / "x.wav")


def test_xtts_without_licence_or_hub_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("COQUI_TOS_AGREED", raising=False)
    with pytest.raises(EngineUnavailable, match="COQUI_TOS_AGREED=1"):
        get_engine("coqui").synthesize("hi", Voice(engine="coqui", language="en", name=XTTS_V2), tmp_path / "x.wav")


def test_a_profile_can_name_a_coqui_model(tiny_vits, tmp_path):
    from lingoflow.speakers import diarization as speakers
    from lingoflow.config import LocalizeOptions
    from lingoflow.speakers.voices import Casting, load_library

    path = tmp_path / "voices.yaml"
    path.write_text(f"profiles:\n  synthetic:\n    voices:\n      '*': {{engine: coqui, name: '{tiny_vits}'}}\n")
    library = load_library(path)
    voice = speakers.voice_for(Casting("SPEAKER_00", "synthetic"), "pt", LocalizeOptions(), library)
    assert voice.engine == "coqui" and voice.name == str(tiny_vits) and voice.language == "pt"
    get_engine("coqui").synthesize("bom dia a todos.", voice, tmp_path / "pt.wav")
    with wave.open(str(tmp_path / "pt.wav")) as w:
        assert w.getnframes() > 0
