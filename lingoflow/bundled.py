"""Files lingoflow reads at run time that live at the repository's top level (voices/,
glossaries/, deployments/): the wheel carries them under lingoflow/data/ (setup.py), a checkout
has them beside the package."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(*parts: str) -> Path:
    """e.g. bundled("voices", "default.yaml")."""
    installed = _PACKAGE.joinpath("data", *parts)
    return installed if installed.exists() else _PACKAGE.parent.joinpath(*parts)
