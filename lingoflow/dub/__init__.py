"""The dub: each line fitted into its slot (fit), the full-length track (track), the original sound
under it (background), and the speech engines (tts/)."""
