"""The mux stage: the source's streams plus every dub and caption, language-tagged."""
from __future__ import annotations

from pathlib import Path

from ..io.mux import Track, mux, output_suffix
from ..schema import Transcript
from .ingest import Ingested
from .stage import FileWork, Stage


def remux(ingested: Ingested, transcript: Transcript, targets: list[str], folder: Path, stem: str) -> str:
    dubs = [Track(str(folder / f"dub.{lang}.wav"), lang) for lang in targets]
    # a target in the spoken language re-voices the source: its captions are the source's, once
    subs = [Track(str(folder / f"captions.{lang}.srt"), lang) for lang in dict.fromkeys([transcript.language, *targets])]
    out = folder / f"{stem}.localized{output_suffix(ingested.info)}"
    mux(ingested.info, transcript.language, dubs, subs, out)
    return str(out)


def key(ingested: Ingested, transcript: Transcript, targets: list[str], local_root: Path, item: str) -> str:
    """Keyed by the files it muxes (by their bytes)."""
    from ..store.cache import code_identity, file_sha256, stage_key

    names = [f"{item}/dub.{lang}.wav" for lang in targets] + [f"{item}/captions.{lang}.srt" for lang in dict.fromkeys([transcript.language, *targets])]
    files = {n: file_sha256(Path(local_root) / n) for n in names}
    return stage_key("mux", code=code_identity(remux),
                     inputs={"source": ingested.sha256, "files": files, "language": transcript.language, "targets": targets, "item": item})


def burn_in(container: Path, captions_srt: Path, out_path: Path) -> str:
    """A copy of the localized video with one language's captions drawn into the picture."""
    from ..io import burnin

    return str(burnin.burn_in(container, captions_srt, out_path))


class MuxStage(Stage):
    kind = "mux"
    function = staticmethod(remux)

    def key(self, work: FileWork) -> str:
        return key(work.ingested, work.transcript, list(work.options.targets), work.root.local, work.item)

    def run(self, work: FileWork, task) -> str:
        return work.root.rel(task(work.ingested, work.transcript, list(work.options.targets), work.folder, work.item))

    def outputs(self, work: FileWork, value: str) -> list[Path]:
        return [work.root.local / value]

    def keep(self, work: FileWork, value: str, cached: bool) -> None:
        work.muxed = value
        work.report.outputs.append(value)


class BurnInStage(Stage):
    """A copy of the video with one language's captions drawn in (--burn-in; video sources only)."""

    kind = "burn-in"
    function = staticmethod(burn_in)

    def _files(self, work: FileWork) -> tuple[Path, Path, Path]:
        from ..io import burnin

        container = work.root.local / work.muxed
        return container, work.folder / f"captions.{self.lang}.srt", work.folder / burnin.output_name(work.item, self.lang, container)

    def key(self, work: FileWork) -> str:
        from ..io import burnin
        from ..store.cache import code_identity, file_sha256, stage_key

        languages = [work.transcript.language, *work.options.targets]
        if self.lang not in languages:
            from ..errors import ConfigError

            raise ConfigError(f"no captions in {self.lang!r} to burn in (the source is {languages[0]!r}, targets: {', '.join(languages[1:]) or 'none'})")
        container, srt, _ = self._files(work)
        font = burnin.font_file()  # the font that draws the text is part of the result
        return stage_key("burn-in", code=code_identity(burnin), model=f"{font.name}:{file_sha256(font)}",
                         inputs={"container": file_sha256(container), "captions": file_sha256(srt), "item": work.item})

    def run(self, work: FileWork, task) -> str:
        container, srt, out = self._files(work)
        return work.root.rel(task(container, srt, out))

    def outputs(self, work: FileWork, value: str) -> list[Path]:
        return [work.root.local / value]

    def keep(self, work: FileWork, value: str, cached: bool) -> None:
        work.report.outputs.append(value)
