"""espeak-ng (Debian package): formant synthesis for about a hundred languages, instant."""
from __future__ import annotations

import functools
import os
import subprocess

from ...errors import ConfigError, ToolError
from .base import Synthesizer, Voice

# espeak-ng voice names for ISO codes whose default voice is not the one people expect
_VOICE_FOR = {"pt": "pt-br", "en": "en-us", "zh": "cmn"}
DEFAULT_RATE = 175  # espeak-ng's own default, words a minute


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    try:
        out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    except (FileNotFoundError, subprocess.CalledProcessError):
        return frozenset()
    langs = set()
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2:
            langs.add(parts[1].lower())
            langs.add(parts[1].split("-")[0].lower())
    return frozenset(langs)


class EspeakEngine(Synthesizer):
    name = "espeak-ng"
    # espeak-ng stays intelligible far above its 175 wpm default (it goes to 450+): 1.6x is 280 wpm
    max_rate_speed = 1.6

    def supports(self, language: str) -> bool:
        return language.lower() in installed_languages()

    def voice_name(self, voice: Voice) -> str:
        base = voice.name or _VOICE_FOR.get(voice.language, voice.language)
        return f"{base}+{voice.variant}" if voice.variant else base

    def identity(self, voice: Voice) -> str:
        return f"espeak-ng:{self.voice_name(voice)}:p{voice.pitch}:s{voice.rate}"

    def synthesize(self, text: str, voice: Voice, out_wav: str | os.PathLike, speed: float = 1.0) -> None:
        if not installed_languages():
            raise ToolError("espeak-ng is not installed: apt-get install -y espeak-ng")
        if not self.supports(voice.language) and not voice.name:
            raise ConfigError(f"espeak-ng has no voice for language {voice.language!r}")
        args = ["espeak-ng", "-v", self.voice_name(voice), "-w", str(out_wav), "--stdin"]
        if voice.pitch is not None:
            args += ["-p", str(int(voice.pitch))]
        if voice.rate is not None or speed != 1.0:
            args += ["-s", str(int(round((voice.rate or DEFAULT_RATE) * speed)))]
        # text goes through stdin, so nothing in it can be read as an option
        proc = subprocess.run(args, input=text.encode("utf-8"), capture_output=True)
        if proc.returncode != 0:
            raise ToolError(f"espeak-ng failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
