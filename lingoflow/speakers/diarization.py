"""The diarize stage over plain data: speaker labels on the transcript, each speaker measured and
cast to a voice profile; and the voice each segment is spoken with."""
from __future__ import annotations

import hashlib
import json
import wave
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .. import progress
from ..io import media
from ..store.atomic import atomic_path, write_json
from ..config import LocalizeOptions
from .diarize import apply_turns, get_diarizer
from .diarize.assign import speech_regions
from .diarize.base import Turn, speaker_label
from .diarize.measure import SpeakerInfo, measure, speaker_audio
from ..errors import ConfigError
from ..paths import cache_dir
from ..schema import Segment, Transcript, Word
from ..dub.tts import Voice, default_voice, get_engine
from .voices import Casting, VoiceLibrary, cast, load_library
from .voices.casting import recast_fixed
from .voices.enroll import enrolled_embeddings

CODE_VERSION = "diarize/3"  # 2: segments span their words, a split keeps the ASR text; 3: the engine's turns kept
REFERENCE_SECONDS = 12.0  # of a speaker's own speech, for voice cloning


@dataclass
class Diarized:
    transcript: Transcript
    speakers: list[SpeakerInfo]
    casting: dict[str, Casting] = field(default_factory=dict)
    library_ids: dict[str, str] = field(default_factory=dict)  # label -> library speaker id (speaker_registry.py)
    turns: list[Turn] | None = None  # who speaks when as the engine heard it (speakers.rttm); None: from the segments

    def key_identity(self) -> dict:
        """As the dub's input: who speaks each segment and the voice each speaker was cast."""
        return {"casting": {label: c.to_dict() for label, c in self.casting.items()}, "speakers": self.transcript}

    def heard_turns(self) -> list[Turn]:
        """The turns speakers.rttm holds: the engine's, else the labelled segments' own spans."""
        from .diarize.rttm import turns_of

        return list(self.turns) if self.turns is not None else turns_of(self.transcript.segments)

    def report(self) -> list[dict]:
        """report.json `speakers`: one entry per speaker with its library id and the profile it got."""
        out = []
        for s in self.speakers:
            c = self.casting.get(s.label)
            entry = {"speaker": s.label, "library_id": self.library_ids.get(s.label), "seconds": s.seconds, "segments": s.segments,
                     "pitch_hz": s.pitch_hz, "pitch_range": s.pitch_range}
            if c is not None:
                entry.update(profile=c.profile, enrolled=c.enrolled, similarity=c.similarity)
            out.append(entry)
        return out


def _cache_key(transcript: Transcript, engine_identity: str, options: LocalizeOptions) -> str:
    segs = [(round(s.start, 3), round(s.end, 3), [(round(w.start, 3), round(w.end, 3)) for w in s.words]) for s in transcript.segments]
    # the ASR settings decode what the diarizer hears and the transcript lacks (diarize/redecode.py)
    asr = [options.asr_engine, options.asr_model, options.beam_size, options.compute_type]
    blob = json.dumps([CODE_VERSION, transcript.source.sha256, engine_identity, options.speakers, options.min_speakers, options.max_speakers,
                       segs, asr])
    return hashlib.sha256(blob.encode()).hexdigest()


def _load_cached(path, transcript: Transcript) -> tuple[list[Segment], list[SpeakerInfo], list[Turn]] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        segments = [Segment(**{**s, "words": [Word(**w) for w in s.get("words", [])]}) for s in data["segments"]]
        return segments, [SpeakerInfo(**s) for s in data["speakers"]], [Turn(*t) for t in data["turns"]]
    except (ValueError, KeyError, TypeError):
        return None  # a damaged cache entry is recomputed


def _redecode(audio, transcript: Transcript, turns: list[Turn], options: LocalizeOptions) -> list[Segment]:
    from ..asr import AsrOptions, get_transcriber
    from .diarize.redecode import redecode, unheard

    stretches = unheard(turns, transcript.segments)
    if not stretches:
        return transcript.segments
    asr = AsrOptions(model=options.asr_model, language=transcript.language, beam_size=options.beam_size,
                     compute_type=options.compute_type)
    return redecode(audio, transcript, stretches, get_transcriber(options.asr_engine), asr)


def library_for(options: LocalizeOptions) -> VoiceLibrary:
    return load_library(options.voices)


def diarize(transcript: Transcript, audio_wav: str, options: LocalizeOptions, item: str = "") -> Diarized:
    """Speaker labels for every segment (split at speaker changes), speakers measured and cast."""
    hears = options.diarize_engine != "none" and get_diarizer(options.diarize_engine).hears_audio
    if not transcript.segments and not hears:  # no speech, nobody to label: hours of silence are not read into memory
        return Diarized(transcript, [])
    engine_name = options.diarize_engine
    # an engine that reads the audio window by window gets it so (an hour is 230 MB as float32)
    in_pieces = engine_name == "none" or get_diarizer(engine_name).reads_in_pieces
    audio = media.WavAudio(audio_wav) if in_pieces else media.load_wav(audio_wav)
    turns = None
    if engine_name == "none":
        segments = [Segment(**{**asdict(s), "words": list(s.words), "speaker": speaker_label(0)}) for s in transcript.segments]
        speakers = measure(audio, segments)
    else:
        engine = get_diarizer(engine_name)
        cached = cache_dir() / "diarize" / f"{_cache_key(transcript, engine.identity(), options)}.json"
        hit = _load_cached(cached, transcript)
        if hit:
            segments, speakers, turns = hit
        else:
            turns, voices = engine.diarize_with_voices(audio, media.SAMPLE_RATE, speech_regions(transcript.segments), options.speakers,
                                                       options.max_speakers, options.min_speakers)
            progress.emit(item, "diarize", 0.6)
            segments = transcript.segments
            if hears and transcript.text_source is None:  # speech heard without words: decoded on its own
                segments = _redecode(audio, transcript, turns, options)
            progress.emit(item, "diarize", 0.7)
            segments = apply_turns(segments, turns)
            speakers = measure(audio, segments, turns, voices)
            write_json(cached, {"segments": [s.to_dict() for s in segments], "speakers": [asdict(s) for s in speakers],
                                "turns": [[t.start, t.end, t.speaker] for t in turns]})
    result = Diarized(replace(transcript, segments=segments), speakers, turns=turns)  # text_source kept
    if options.targets:
        library = library_for(options)
        result.casting = cast(speakers, library, enrolled_embeddings(library))
    return result


def reference_clip(audio_wav: str, sha256: str, transcript: Transcript, label: str) -> str:
    """A WAV of the speaker's own clean speech (their longest segments), for voice cloning."""
    path = cache_dir() / "references" / f"{sha256[:16]}-{label}.wav"
    if not path.is_file():
        audio = speaker_audio(media.WavAudio(audio_wav), transcript.segments, label, REFERENCE_SECONDS)
        with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(media.SAMPLE_RATE)
            w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return str(path)


def voice_for(casting: Casting | None, language: str, options: LocalizeOptions, library: VoiceLibrary | None, reference=None) -> Voice:
    """The voice of a cast speaker in a language; the language's default voice when uncast.

    ``reference`` is called (no arguments) for a clip of the speaker when the profile clones."""
    if casting is None or library is None or casting.profile not in library.profiles:
        return default_voice(language, options.tts_engine)
    profile = library.profiles[casting.profile]
    settings = profile.settings_for(language, options.tts_engine)
    if settings is None or not get_engine(settings.engine).supports(language):
        if options.tts_engine and settings is None:
            return default_voice(language, options.tts_engine)
        fallback = profile.settings_for("*", options.tts_engine)
        if fallback is None or not get_engine(fallback.engine).supports(language):
            raise ConfigError(f"voice profile {casting.profile!r} has no voice that speaks {language!r}")
        settings = fallback
    return settings.voice(language, reference() if settings.clone and reference else None)


def link(diarized: Diarized, registry, sha256: str, item: str, options: LocalizeOptions) -> Diarized:
    """The file's speakers as library speakers (speaker_registry.py): each one's library id and,
    when voices are cast, a known person's voice. Enrolled matches keep their own profile."""
    from . import registry as reg

    if not diarized.speakers:
        return diarized
    diar = reg.diarization_digest(diarized.speakers)
    enrolled = {label: c.enrolled for label, c in diarized.casting.items() if c.enrolled}
    library = library_for(options)
    with registry.lock():
        claims = registry.claims()
        own = next((c for c in claims if c.get("sha256") == sha256 and c.get("diarization") == diar), None)
        if own is not None and _enrolled_ids(own) != {label: reg.ENROLLED + name for label, name in enrolled.items()}:
            own = None  # the voices file enrolls other people now: linked anew
        known = reg.people([c for c in claims if c.get("sha256") != sha256])
        if own is not None:  # sticky: this diarization was linked before
            mine = own["speakers"]
            ids = {label: v["id"] for label, v in mine.items()}
            founded = {label for label, v in mine.items() if v.get("new")}
            similarity = {label: v.get("similarity") for label, v in mine.items()}
            profiles = {label: v.get("profile") for label, v in mine.items()}
        else:
            embeddings = {s.label: np.asarray(s.embedding, dtype=np.float32) for s in diarized.speakers if s.embedding and s.label not in enrolled}
            found = reg.match(embeddings, known, library.link_threshold)
            ids = {label: pid for label, (pid, _) in found.items()}
            similarity = {label: sim for label, (_, sim) in found.items()}
            profiles, founded = {}, set()
        for s in diarized.speakers:
            if s.label in enrolled:
                ids[s.label] = reg.ENROLLED + enrolled[s.label]
            elif s.label not in ids:
                ids[s.label] = reg.new_id(sha256, s.label)
                founded.add(s.label)
        casting = diarized.casting
        if casting:
            casting = recast_fixed(casting, diarized.speakers, library, _known_voices(diarized, ids, profiles, known, enrolled))
            profiles = {label: c.profile for label, c in casting.items()}
        claim = reg.make_claim(sha256, own["item"] if own else item, diar, diarized.speakers, ids, profiles, founded, similarity,
                               created=own["created"] if own else None)
        if claim != own:
            registry.put(claim)
    return replace(diarized, casting=casting, library_ids=ids)


def _enrolled_ids(claim: dict) -> dict[str, str]:
    from .registry import ENROLLED

    return {label: v["id"] for label, v in claim.get("speakers", {}).items() if str(v.get("id", "")).startswith(ENROLLED)}


def _known_voices(diarized: Diarized, ids: dict, profiles: dict, known: dict, enrolled: dict) -> dict[str, str]:
    """label -> the profile its library speaker speaks with (its own claim's, else the person's),
    the one who speaks most first; a profile already taken in this file is not given twice."""
    used = {c.profile for c in diarized.casting.values() if c.enrolled}
    fixed = {}
    for s in sorted(diarized.speakers, key=lambda s: -s.seconds):
        if s.label in enrolled:
            continue
        person = known.get(ids[s.label])
        profile = profiles.get(s.label) or (person.profile if person else None)
        if profile and profile not in used:
            fixed[s.label] = profile
            used.add(profile)
    return fixed
