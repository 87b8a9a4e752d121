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


def burn_in(container: Path, captions_srt: Path, out_path: Path) -> str:
    """A copy of the localized video with one language's captions drawn into the picture."""
    from ..io import burnin

    return str(burnin.burn_in(container, captions_srt, out_path))


class MuxStage(Stage):
    kind = "mux"
    function = staticmethod(remux)

    def arguments(self, work: FileWork) -> dict:
        return {"ingested": work.ingested, "transcript": work.transcript, "targets": list(work.options.targets), "folder": work.folder,
                "stem": work.item}

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        """The files it muxes, by their bytes."""
        from ..store.cache import file_sha256

        folder, language, targets = Path(arguments["folder"]), arguments["transcript"].language, arguments["targets"]
        names = [f"dub.{lang}.wav" for lang in targets] + [f"captions.{lang}.srt" for lang in dict.fromkeys([language, *targets])]
        return {"files": {n: file_sha256(folder / n) for n in names}}

    def run(self, work: FileWork, task) -> str:
        return work.root.rel(task(**self.arguments(work)))

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

    def arguments(self, work: FileWork) -> dict:
        languages = [work.transcript.language, *work.options.targets]
        if self.lang not in languages:
            from ..errors import ConfigError

            raise ConfigError(f"no captions in {self.lang!r} to burn in (the source is {languages[0]!r}, targets: {', '.join(languages[1:]) or 'none'})")
        container, srt, out = self._files(work)
        return {"container": container, "captions_srt": srt, "out_path": out}

    @classmethod
    def code(cls, arguments: dict) -> list:
        from ..io import burnin

        return [burnin]

    @classmethod
    def model(cls, arguments: dict) -> str:
        from ..io import burnin
        from ..store.cache import file_sha256

        font = burnin.font_file()  # the font that draws the text is part of the result
        return f"{font.name}:{file_sha256(font)}"

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        """The container and the captions drawn into it, by their bytes."""
        from ..store.cache import file_sha256

        return {"container": file_sha256(arguments["container"]), "captions": file_sha256(arguments["captions_srt"])}

    def run(self, work: FileWork, task) -> str:
        return work.root.rel(task(**self.arguments(work)))

    def outputs(self, work: FileWork, value: str) -> list[Path]:
        return [work.root.local / value]

    def keep(self, work: FileWork, value: str, cached: bool) -> None:
        work.report.outputs.append(value)
