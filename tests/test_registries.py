"""The registries and the command line agree: a format or engine registered once shows in the CLI
help and is accepted by the options, with no second list to keep in step."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lingoflow import writers
from lingoflow.config import LocalizeOptions
from lingoflow.diarize import registry as diarize_registry
from lingoflow.mt import registry as mt_registry
from lingoflow.tts import registry as tts_registry
from lingoflow.flows.cli import app


@pytest.fixture(scope="module")
def localize_help() -> str:
    result = CliRunner().invoke(app, ["localize", "--help"], env={"COLUMNS": "400", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize("registry, option", [(mt_registry, "--mt-engine"), (tts_registry, "--tts-engine"),
                                              (diarize_registry, "--diarize-engine")])
def test_help_lists_every_registered_engine(localize_help, registry, option):
    assert option in localize_help
    for name in registry.ENGINES:
        assert name in localize_help, f"{name} (registered) missing from `localize --help`"


def test_help_lists_every_caption_format(localize_help):
    for name in writers.CAPTION_FORMATS:
        assert name in localize_help, f"format {name} missing from `localize --help`"


def test_every_caption_format_is_accepted_and_written_by_its_writer():
    for name in writers.CAPTION_FORMATS:
        options = LocalizeOptions(formats=[name])
        assert name in writers.parse_formats(options.formats)
        assert writers.get_writer(name).name == name


def test_unknown_format_names_the_registered_ones():
    with pytest.raises(Exception) as err:
        writers.parse_formats("srt,docx")
    assert "docx" in str(err.value) and all(n in str(err.value) for n in writers.CAPTION_FORMATS)
