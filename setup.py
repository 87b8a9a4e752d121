"""The package's layout (the rest of the metadata is in pyproject.toml).

The repository keeps Prefect's project layout: the flows and tasks at the top level (flows/,
tasks/), beside voices/, glossaries/ and deployments/. The wheel installs all of it under the
one import package `lingoflow` (lingoflow.flows, lingoflow.tasks, and the YAML files under
lingoflow/data/), so nothing named `flows` or `tasks` lands in a user's site-packages.
"""
from setuptools import find_packages, setup

LAYERS = {"lingoflow.flows": "flows", "lingoflow.tasks": "tasks"}
LAYERS.update({f"{name}.{sub}": f"{folder}/{sub.replace('.', '/')}" for name, folder in list(LAYERS.items())
               for sub in find_packages(folder)})  # their own subpackages (flows/tuning/)
DATA = {"lingoflow.data.voices": "voices", "lingoflow.data.glossaries": "glossaries", "lingoflow.data.deployments": "deployments"}

setup(
    packages=find_packages(include=["lingoflow", "lingoflow.*"]) + list(LAYERS) + list(DATA),
    package_dir={**LAYERS, **DATA},
    package_data={"lingoflow.review": ["templates/*"], "lingoflow.quality": ["calibration.json"], **{package: ["*.yaml"] for package in DATA}},
)
