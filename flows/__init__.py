"""Prefect flows (localize_library -> localize_file) and the command line."""
