"""Static review pages for a run: the library (report.html) and one page per file."""
from .pages import render_item, render_library, write_pages

__all__ = ["render_item", "render_library", "write_pages"]
