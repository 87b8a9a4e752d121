"""The stage functions by the names the tasks, flows and tools call them; each stage lives in its
own module of lingoflow/pipeline/ (which its cache key hashes, with all it imports)."""
from __future__ import annotations

from .pipeline.checks import asr_ready, check_asr, check_targets, load_asr_in_background, warm_during_recognition, warm_once_speech_is_heard
from .pipeline.ingest import Ingested, ingest
from .pipeline.mux import remux
from .pipeline.outputs import write_captions, write_transcript
from .pipeline.synthesize import synthesize
from .pipeline.terms import load_glossary
from .pipeline.transcribe import transcribe
from .pipeline.translate import glossary_summary, translate

__all__ = ["Ingested", "asr_ready", "check_asr", "load_asr_in_background", "check_targets", "glossary_summary", "ingest", "load_glossary", "remux", "synthesize", "transcribe",
           "translate", "warm_during_recognition", "warm_once_speech_is_heard", "write_captions", "write_transcript"]
