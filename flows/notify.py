"""Notifications through Prefect's automations: a Webhook block holding the URL, and the
automations of deployments/automations.yaml calling it (a library run with failed files; a
library run that failed or crashed). `lingoflow serve --notify URL` and `lingoflow notify URL`.

The URL is kept in the block as a secret (a chat webhook's URL is its credential): it is
never logged, and the automations refer to the block by id only.
"""
from __future__ import annotations

from urllib.parse import urlparse

from lingoflow.paths import bundled
from lingoflow.errors import ConfigError

BLOCK_NAME = "lingoflow-notify"
PLACEHOLDER = "WEBHOOK_BLOCK_ID"


def check_url(url: str) -> str:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError("--notify needs an http:// or https:// URL with a host")
    return url


def automation_specs(block_id) -> list[dict]:
    """deployments/automations.yaml with the webhook block's id filled in."""
    import yaml

    data = yaml.safe_load(bundled("deployments", "automations.yaml").read_text(encoding="utf-8"))
    specs = data["automations"]
    for spec in specs:
        for action in spec["actions"]:
            if action.get("block_document_id") == PLACEHOLDER:
                action["block_document_id"] = str(block_id)
    return specs


def set_up(url: str, block_name: str = BLOCK_NAME) -> list[str]:
    """Save the webhook block and (re)create the automations; returns their names."""
    from prefect import get_client
    from prefect.automations import Automation
    from prefect.blocks.webhook import Webhook

    check_url(url)
    block_id = Webhook(method="POST", url=url, headers={"Content-Type": "application/json"}).save(block_name, overwrite=True)
    names = []
    with get_client(sync_client=True) as client:
        for spec in automation_specs(block_id):
            for old in client.read_automations_by_name(spec["name"]):  # re-serving replaces, never piles up
                client.delete_automation(old.id)
            Automation.model_validate(spec).create()
            names.append(spec["name"])
    return names
