"""Speakers: who speaks when (diarize/ engines, diarization: the stage's work), one identity per
person across the library (registry), voice profiles, enrolment and casting (voices/)."""
