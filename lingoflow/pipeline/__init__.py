"""The pipeline's stages, one module a stage (ingest, transcribe, translate, outputs, synthesize,
mux; diarization lives in lingoflow/speakers/diarization.py), the checks made before any audio, and the
runner (runner.py) that runs a stage unless an equal result is recorded.

A stage's module imports only what its stage uses, so a stage's cache key can hash the source
of everything its result depends on (lingoflow/store/cache.py `code_identity`): editing one helper
invalidates exactly the stages that import it.
"""
