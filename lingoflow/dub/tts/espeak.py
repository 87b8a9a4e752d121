"""espeak-ng (Debian package): formant synthesis for about a hundred languages, instant."""
from __future__ import annotations

import atexit
import functools
import json
import os
import select
import subprocess
import sys
import tempfile
import threading

from ...errors import ConfigError, ToolError
from . import espeak_fork  # run as a script; imported so the stage's code identity covers it
from .base import Synthesizer, Voice

# espeak-ng voice names for ISO codes whose default voice is not the one people expect
_VOICE_FOR = {"pt": "pt-br", "en": "en-us", "zh": "cmn"}
DEFAULT_RATE = 175  # espeak-ng's own default, words a minute
ANSWER_SECONDS = 300  # one line's synthesis takes milliseconds; past this the helper is stuck


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


class Forks:
    """espeak_fork.py, the process that speaks each line in a fork of a loaded espeak-ng (the same
    bytes as the espeak-ng command at about 60 % of its CPU); started on first use, one line at a
    time, started again if it ends. ``unavailable``: the library cannot load here (the command is used)."""

    def __init__(self):
        self._proc: subprocess.Popen | None = None
        self._errors = None
        self._lock = threading.Lock()
        self.unavailable: str | None = None
        self.cpu = 0.0  # the running helper's CPU seconds (its forks included), as it last said

    def speak(self, voice: str, text: str, out: str, rate: int | None, pitch: int | None) -> None:
        request = (json.dumps({"voice": voice, "text": text, "out": out, "rate": rate, "pitch": pitch}) + "\n").encode("utf-8")
        with self._lock:
            for attempt in (1, 2):  # a helper that ended since the last line (killed, out of memory) is started again once
                if self._proc is None or self._proc.poll() is not None:
                    self._start()
                if self.unavailable:
                    raise ToolError(self.unavailable)
                try:
                    self._proc.stdin.write(request)
                    self._proc.stdin.flush()
                    answer = self._read()
                    break
                except (OSError, ValueError) as e:
                    self._stop()
                    if attempt == 2:
                        raise ToolError(f"espeak-ng's helper process failed: {e}") from e
            self.cpu = answer.get("cpu", self.cpu)
            if "error" in answer:
                raise ToolError(answer["error"])

    def _read(self) -> dict:
        ready, _, _ = select.select([self._proc.stdout], [], [], ANSWER_SECONDS)
        line = self._proc.stdout.readline() if ready else b""
        if not line:
            detail = self._stderr() or ("no answer in %d s" % ANSWER_SECONDS if not ready else "it ended")
            self._stop()
            raise ValueError(detail)
        return json.loads(line)

    def _start(self) -> None:
        self._stop()
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen([sys.executable, "-S", "-E", espeak_fork.__file__],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors)
        try:
            first = self._read()
        except ValueError as e:
            first = {"error": f"espeak-ng's helper process did not start: {e}"}
        if "error" in first:
            self.unavailable = first["error"]
            self._stop()

    def _stderr(self) -> str:
        if self._errors is None:
            return ""
        self._errors.seek(0)
        return self._errors.read().decode("utf-8", "replace").strip()[-500:]

    def _stop(self) -> None:
        proc, self._proc, self.cpu = self._proc, None, 0.0  # once waited, its CPU is the parent's children's
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        if self._errors is not None:
            self._errors.close()
            self._errors = None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def forget(self) -> None:
        """In a forked child of this process: the helper and its pipes are the parent's."""
        self._proc, self._errors, self._lock, self.cpu = None, None, threading.Lock(), 0.0


FORKS = Forks()
atexit.register(FORKS.close)
os.register_at_fork(after_in_child=FORKS.forget)


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
        rate = int(round((voice.rate or DEFAULT_RATE) * speed)) if voice.rate is not None or speed != 1.0 else None
        pitch = int(voice.pitch) if voice.pitch is not None else None
        if FORKS.unavailable is None:
            FORKS.speak(self.voice_name(voice), text, str(out_wav), rate, pitch)
        else:
            _command(self.voice_name(voice), text, out_wav, rate, pitch)


def _command(voice: str, text: str, out_wav, rate: int | None, pitch: int | None) -> None:
    """The espeak-ng command, a process a line: where its library cannot be loaded in a helper."""
    args = ["espeak-ng", "-v", voice, "-w", str(out_wav), "--stdin"]
    if pitch is not None:
        args += ["-p", str(pitch)]
    if rate is not None:
        args += ["-s", str(rate)]
    # text goes through stdin, so nothing in it can be read as an option
    proc = subprocess.run(args, input=text.encode("utf-8"), capture_output=True)
    if proc.returncode != 0:
        raise ToolError(f"espeak-ng failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
