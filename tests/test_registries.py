"""The registries and the command line agree: a format or engine registered once shows in the CLI
help and is accepted by the options, with no second list to keep in step."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lingoflow.captions import writers
from lingoflow.config import LocalizeOptions
from lingoflow.speakers.diarize import registry as diarize_registry
from lingoflow.mt import registry as mt_registry
from lingoflow.dub.tts import registry as tts_registry
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


def test_every_run_option_is_on_the_cli_with_its_help(localize_help):
    """LocalizeOptions is the one list: each field shows as a CLI option with its own help text."""
    for name, field in LocalizeOptions.model_fields.items():
        flags = LocalizeOptions.declared(name).get("flags") or [f"--{name.replace('_', '-')}"]
        assert flags[0] in localize_help, f"option {name}: {flags[0]} missing from `localize --help`"
        assert " ".join(field.description.split()[:5]) in localize_help, f"option {name}: its help text is not shown"


def test_help_lists_every_stage_for_refresh(localize_help):
    from lingoflow.pipeline.plan import STAGES

    for stage in STAGES:
        assert stage.kind in localize_help


def test_each_stage_declares_its_task_and_the_options_that_change_it():
    """The stage registry is the one place: kinds unique, every stage has a function its task
    runs, and every option's `affects` names stages that exist."""
    from lingoflow.pipeline.plan import STAGES

    kinds = [stage.kind for stage in STAGES]
    assert len(kinds) == len(set(kinds))
    assert all(callable(stage.function) for stage in STAGES)
    for name in LocalizeOptions.model_fields:
        affects = LocalizeOptions.declared(name).get("affects") or []
        assert set(affects) <= set(kinds), f"option {name} names an unknown stage: {affects}"


def test_deployments_take_every_run_option_by_its_name():
    """A library deployment's `options` parameter reaches every LocalizeOptions field; the named
    parameters win; a bad value is a clear parameter error naming the option."""
    from lingoflow.errors import ConfigError
    from lingoflow.flows.deployments import build_options

    options = build_options(["pt"], None, "base", None, None, None, options={"speakers": 2, "max_cps": 15, "asr_model": "tiny.en"})
    assert (options.speakers, options.max_cps, options.asr_model, options.targets) == (2, 15, "tiny.en", ["pt"])
    assert build_options([], None, "base", None, None, None, options={"targets": ["pt"]}).targets == ["pt"]
    with pytest.raises(ConfigError, match="max_speakers"):
        build_options(["pt"], None, "base", None, None, None, options={"max_speakers": 99})
    with pytest.raises(ConfigError, match="no_such_option"):
        build_options(["pt"], None, "base", None, None, None, options={"no_such_option": 1})


@pytest.mark.parametrize("registry, base", [("lingoflow.asr.registry", "lingoflow.asr.base:Transcriber"),
                                            ("lingoflow.mt.registry", "lingoflow.mt.base:MtEngine"),
                                            ("lingoflow.dub.tts.registry", "lingoflow.dub.tts.base:Synthesizer"),
                                            ("lingoflow.speakers.diarize.registry", "lingoflow.speakers.diarize.base:Diarizer")])
def test_every_engine_implements_its_kinds_base_with_every_hook(registry, base):
    """One registry shape for every kind; every engine is its kind's base class, so the optional
    hooks (load, locate, warm, check, ...) are declared once with their defaults, never looked up."""
    import importlib

    from lingoflow.engines import Registry

    engines = importlib.import_module(registry).ENGINES
    module, _, name = base.partition(":")
    base_class = getattr(importlib.import_module(module), name)
    assert isinstance(engines, Registry)
    for engine_name, cls in engines.items():
        assert issubclass(cls, base_class), f"{engine_name}: {cls.__name__} is not a {name}"
    with pytest.raises(Exception, match="unknown .*'no-such-engine'.*available: " + ", ".join(engines)):
        engines.engine("no-such-engine")
