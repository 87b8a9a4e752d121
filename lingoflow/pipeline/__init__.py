"""The pipeline's stages, one module a stage (ingest, transcribe, translate, outputs, synthesize,
mux; diarization lives in lingoflow/speakers.py), plus the checks made before any audio.

A stage's module imports only what its stage uses, so a stage's cache key can hash the source
of everything its result depends on (lingoflow/store/cache.py `code_identity`): editing one helper
invalidates exactly the stages that import it.
"""
