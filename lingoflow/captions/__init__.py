"""Captions: cues by each language's reading norms (cues), the output writers (writers/), human
captions as the source (sidecar, textalign) and a reviewer's edits (edits)."""
