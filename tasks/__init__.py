"""Prefect tasks, one module a stage: retries and logging here, the work in lingoflow.stages."""
