"""Small hand-made allocation instances for the tests: rows with sensible defaults."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from aiplus.compute.allocation import Instance
from aiplus.compute.allocation.problem import APPLICATION_COLUMNS, OFFER_COLUMNS

PROGRAMME = {
    "pool_yuan": 1_000_000,
    "ratio": "0.30",
    "cap_per_enterprise_yuan": 100_000,
    "opc_ratio": "1.00",
    "opc_cap_per_enterprise_yuan": 10_000,
}


def offer(offer_id: str = "O1", **kw) -> dict:
    row = {
        "offer_id": offer_id,
        "provider": "P1",
        "area": "苏州工业园区",
        "gpu_model": "H20",
        "cards": 8,
        "price_per_card_hour": "5.00",
        "available_from_day": 0,
        "available_to_day": 10,
    }
    row.update(kw)
    return row


def app(app_id: str = "A1", **kw) -> dict:
    row = {
        "app_id": app_id,
        "enterprise": f"E-{app_id}",
        "area": "姑苏区",
        "accepted_models": "H20",
        "cards": 4,
        "hours": 48,
        "earliest_day": 0,
        "latest_end_day": 10,
        "max_price_per_card_hour": "9.00",
        "voucher_eligible": 1,
        "enterprise_kind": "sme",
    }
    row.update(kw)
    return row


def instance(offers: list[dict], apps: list[dict], programme: dict | None = None) -> Instance:
    return Instance.from_rows(offers, apps, PROGRAMME if programme is None else programme)


def write_folder(folder: Path, offers: list[dict], apps: list[dict], programme=None) -> Path:
    """The CSV/JSON layout of bench/compute/ in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns, rows in (
        ("offers.csv", OFFER_COLUMNS, offers),
        ("applications.csv", APPLICATION_COLUMNS, apps),
    ):
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    programme = PROGRAMME if programme is None else programme
    (folder / "programme.json").write_text(json.dumps(programme), encoding="utf-8")
    return folder
