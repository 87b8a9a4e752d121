"""Voice profiles: YAML files naming an engine and its settings per language, enrolled speakers,
and the casting of each diarized speaker to a profile (enrolled match, else pitch-matched)."""
from __future__ import annotations

from .casting import Casting, cast
from .profiles import Profile, VoiceLibrary, VoiceSettings, load_library

__all__ = ["Casting", "Profile", "VoiceLibrary", "VoiceSettings", "cast", "load_library"]
