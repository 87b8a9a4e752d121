"""A stage's key is computed from the arguments its run calls the stage's function with
(lingoflow/pipeline/stage.py `Stage.arguments` / `key_of`): the key and the run cannot drift apart."""
from __future__ import annotations

import inspect

from lingoflow.config import LocalizeOptions
from lingoflow.pipeline.outputs import OutputsStage
from lingoflow.pipeline.plan import STAGES
from lingoflow.pipeline.stage import FileWork, Stage
from lingoflow.pipeline.translate import TranslateStage
from lingoflow.report import ItemReport
from lingoflow.schema import Segment, SourceInfo, Transcript, Word
from lingoflow.store.outroot import OutputRoot


def _transcript() -> Transcript:
    words = [Word(0.0, 0.4, " The"), Word(0.5, 0.9, " river"), Word(1.0, 1.5, " rises.")]
    return Transcript(SourceInfo("/lib/talk.wav", "0" * 64, 3.0), "en", 1.0, [Segment(0, 0.0, 1.5, " The river rises.", words=words)])


def _work(root: OutputRoot) -> FileWork:
    work = FileWork("/lib/talk.wav", "talk", LocalizeOptions(targets=["pt"]), root, ItemReport("talk", "/lib/talk.wav"))
    work.transcript = _transcript()
    work.translations["pt"] = work.transcript.translated("pt", [" O rio sobe."])
    return work


def test_only_ingest_keys_itself_and_every_other_stage_declares_its_arguments():
    # ingest's arguments are a local copy (for S3, a download): its key is the source's identity
    assert [s.kind for s in STAGES if s.key is not Stage.key] == ["ingest"]
    for stage in STAGES:
        if stage.kind != "ingest":
            assert stage.arguments is not Stage.arguments, stage.kind
            names = set(inspect.signature(stage.function).parameters)
            assert stage.unkeyed <= names and stage.whole <= names, stage.kind


def test_the_key_is_the_key_of_what_the_run_passed(tmp_path):
    root = OutputRoot(str(tmp_path / "out"))
    work = _work(root)
    for stage in (OutputsStage(), OutputsStage("pt"), TranslateStage("pt")):
        passed: dict = {}
        stage.run(work, lambda **kw: passed.update(kw) or [])
        assert set(passed) <= set(inspect.signature(stage.function).parameters)
        assert type(stage).key_of(passed, root.local) == stage.key(work), stage.name(work)


def test_every_keyed_argument_changes_the_key_and_out_is_keyed_by_place(tmp_path):
    root = OutputRoot(str(tmp_path / "out"))
    args = OutputsStage("pt").arguments(_work(root))
    base = OutputsStage.key_of(args, root.local)
    other_text = _transcript().translated("pt", [" O rio desce."])
    for name, value in (("transcript", other_text), ("suffix", ".es"), ("formats", ["srt"]), ("max_cps", 12.0),
                        ("folder", root.folder("other")), ("source", None)):
        assert OutputsStage.key_of({**args, name: value}, root.local) != base, name
    # the same library written to another OUT keys alike: a path inside OUT is keyed by its place there
    moved = OutputRoot(str(tmp_path / "elsewhere"))
    assert OutputsStage.key_of(OutputsStage("pt").arguments(_work(moved)), moved.local) == base
    # the files carry the source's URI, so the captions' transcript is keyed whole; a translation is not
    renamed = _work(root)
    renamed.transcript = Transcript(SourceInfo("/lib/renamed.wav", "0" * 64, 3.0), "en", 1.0, renamed.transcript.segments)
    renamed.translations["pt"] = renamed.transcript.translated("pt", [" O rio sobe."])
    assert OutputsStage().key(renamed) != OutputsStage().key(_work(root))
    assert TranslateStage("pt").key(renamed) == TranslateStage("pt").key(_work(root))
    renamed.item = "renamed"  # its folder in OUT follows the new name: the translation is still reused
    assert renamed.folder != _work(root).folder
    assert TranslateStage("pt").key(renamed) == TranslateStage("pt").key(_work(root))
