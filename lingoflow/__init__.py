"""lingoflow: batch media localization (transcripts, captions, translations, dubs, remuxed media)."""

__version__ = "0.1.0"
