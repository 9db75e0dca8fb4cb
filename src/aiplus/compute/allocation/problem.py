"""The allocation problem as plain data: offers, applications, the voucher programme.

An instance comes either from a folder (`offers.csv`, `applications.csv`, `programme.json`, the
layout of `bench/compute/`) through `load_instance`, or from plain Python rows (what the
Django layer reads from its tables) through `Instance.from_rows`. Both paths go through the
same validation, so a bad value is refused with the file (or table), the row and the column
named, before any solver sees it.

Money is `Decimal` here (prices, ratios, caps, pool): the solvers may use floats internally,
but every yuan figure they report is computed from these exact values.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

OFFER_COLUMNS = (
    "offer_id",
    "provider",
    "area",
    "gpu_model",
    "cards",
    "price_per_card_hour",
    "available_from_day",
    "available_to_day",
)
APPLICATION_COLUMNS = (
    "app_id",
    "enterprise",
    "area",
    "accepted_models",
    "cards",
    "hours",
    "earliest_day",
    "latest_end_day",
    "max_price_per_card_hour",
    "voucher_eligible",
    "enterprise_kind",
)
PROGRAMME_KEYS = (
    "pool_yuan",
    "ratio",
    "cap_per_enterprise_yuan",
    "opc_ratio",
    "opc_cap_per_enterprise_yuan",
)
ENTERPRISE_KINDS = ("rd_company", "opc", "sme", "lab")
OPC = "opc"


class InstanceError(ValueError):
    """Bad input: the message names the file (or table), the row and the column."""


@dataclass(frozen=True, slots=True)
class Offer:
    """`cards` GPUs of one model, rentable on days [available_from_day, available_to_day)."""

    offer_id: str
    provider: str
    area: str
    gpu_model: str
    cards: int
    price_per_card_hour: Decimal
    available_from_day: int
    available_to_day: int


@dataclass(frozen=True, slots=True)
class Application:
    """A job asking for `cards` cards for `hours` hours, whole or not at all."""

    app_id: str
    enterprise: str
    area: str
    accepted_models: tuple[str, ...]
    cards: int
    hours: int
    earliest_day: int
    latest_end_day: int
    max_price_per_card_hour: Decimal
    voucher_eligible: bool
    enterprise_kind: str

    @property
    def days(self) -> int:
        """Whole days the job holds its cards: a started day is a day used."""
        return math.ceil(self.hours / 24)

    @property
    def card_hours(self) -> int:
        return self.cards * self.hours


@dataclass(frozen=True, slots=True)
class Programme:
    """The quarter's voucher programme (see `vouchers` for how the caps combine)."""

    pool_yuan: Decimal
    ratio: Decimal
    cap_per_enterprise_yuan: Decimal
    opc_ratio: Decimal
    opc_cap_per_enterprise_yuan: Decimal

    def ratio_for(self, kind: str) -> Decimal:
        return self.opc_ratio if kind == OPC else self.ratio

    def cap_for(self, kind: str) -> Decimal:
        return self.opc_cap_per_enterprise_yuan if kind == OPC else self.cap_per_enterprise_yuan


NO_VOUCHERS = Programme(Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0))


@dataclass(frozen=True)
class Instance:
    """One quarter's offers, applications and programme; ids are unique."""

    offers: tuple[Offer, ...]
    applications: tuple[Application, ...]
    programme: Programme = NO_VOUCHERS
    name: str = ""
    _offer_index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._offer_index.update({o.offer_id: i for i, o in enumerate(self.offers)})

    def offer(self, offer_id: str) -> Offer:
        return self.offers[self._offer_index[offer_id]]

    @classmethod
    def from_rows(
        cls,
        offers: Iterable[Mapping[str, Any]],
        applications: Iterable[Mapping[str, Any]],
        programme: Mapping[str, Any] | None = None,
        *,
        name: str = "",
    ) -> Instance:
        """Build an instance from plain rows (dicts keyed by the CSV column names), checking
        them as `load_instance` checks files; `programme=None` means no vouchers."""
        return cls(
            offers=_parse_offers(offers, "offers"),
            applications=_parse_applications(applications, "applications"),
            programme=NO_VOUCHERS if programme is None else parse_programme(programme),
            name=name,
        )

    def to_rows(self) -> tuple[list[dict], list[dict], dict]:
        """The instance as plain rows again (what the independent checker takes)."""
        offers = [{c: getattr(o, c) for c in OFFER_COLUMNS} for o in self.offers]
        apps = []
        for a in self.applications:
            row = {c: getattr(a, c) for c in APPLICATION_COLUMNS}
            row["accepted_models"] = "|".join(a.accepted_models)
            row["voucher_eligible"] = int(a.voucher_eligible)
            apps.append(row)
        programme = {k: getattr(self.programme, k) for k in PROGRAMME_KEYS}
        return offers, apps, programme


def load_instance(folder: str | Path) -> Instance:
    """Read `offers.csv`, `applications.csv` and `programme.json` from `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InstanceError(f"实例目录不存在：{folder}")
    offers = _parse_offers(_read_csv(folder / "offers.csv", OFFER_COLUMNS), "offers.csv")
    apps = _parse_applications(
        _read_csv(folder / "applications.csv", APPLICATION_COLUMNS), "applications.csv"
    )
    path = folder / "programme.json"
    if not path.is_file():
        raise InstanceError(f"缺少文件 {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"programme.json 不是有效的 JSON：{exc}") from exc
    if not isinstance(raw, dict):
        raise InstanceError("programme.json 应为一个 JSON 对象")
    return Instance(offers, apps, parse_programme(raw, "programme.json"), name=folder.name)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise InstanceError(f"缺少文件 {path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InstanceError(f"{path.name}：缺少列 {', '.join(missing)}")
            return list(reader)
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path.name} 不是 UTF-8 编码：{exc}") from exc
    except csv.Error as exc:
        raise InstanceError(f"{path.name} 无法解析为 CSV：{exc}") from exc


class _Row:
    """Reads typed values out of one row, naming where the bad one is."""

    def __init__(self, source: str, number: int, row: Mapping[str, Any]):
        self.where, self.row = f"{source} 第 {number} 行", row

    def fail(self, column: str, why: str) -> InstanceError:
        value = self.row.get(column)
        return InstanceError(f"{self.where}，列 {column}（值 {value!r}）：{why}")

    def text(self, column: str) -> str:
        value = self.row.get(column)
        if value is None or str(value).strip() == "":
            raise self.fail(column, "不能为空")
        return str(value).strip()

    def integer(self, column: str, *, minimum: int | None = None) -> int:
        value = self.row.get(column)
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise self.fail(column, "应为整数") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise self.fail(column, "应为整数")
        if minimum is not None and number < minimum:
            raise self.fail(column, f"应不小于 {minimum}")
        return int(number)

    def decimal(self, column: str) -> Decimal:
        return _decimal(self.row.get(column), lambda why: self.fail(column, why))

    def flag(self, column: str) -> bool:
        value = str(self.row.get(column, "")).strip().lower()
        if value in ("1", "true", "yes", "y", "是"):
            return True
        if value in ("0", "false", "no", "n", "否"):
            return False
        raise self.fail(column, "应为 0 或 1")


def _decimal(value: Any, fail) -> Decimal:
    """A finite, non-negative amount; floats go through `str` so 0.3 stays 0.3."""
    if isinstance(value, bool):
        raise fail("应为数值")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise fail("应为数值") from None
    if not number.is_finite():
        raise fail("应为有限数值")
    if number < 0:
        raise fail("不能为负数")
    return number


def _rows(rows: Iterable[Mapping[str, Any]], source: str):
    # Row 1 of a CSV is its header, so data rows are numbered from 2 as a spreadsheet shows.
    first = 2 if source.endswith(".csv") else 1
    for number, row in enumerate(rows, start=first):
        if not isinstance(row, Mapping):
            raise InstanceError(f"{source} 第 {number} 行：应为键值记录")
        yield _Row(source, number, row)


def _parse_offers(rows: Iterable[Mapping[str, Any]], source: str) -> tuple[Offer, ...]:
    out: list[Offer] = []
    seen: set[str] = set()
    for r in _rows(rows, source):
        offer = Offer(
            offer_id=r.text("offer_id"),
            provider=str(r.row.get("provider") or "").strip(),
            area=str(r.row.get("area") or "").strip(),
            gpu_model=r.text("gpu_model"),
            cards=r.integer("cards", minimum=1),
            price_per_card_hour=r.decimal("price_per_card_hour"),
            available_from_day=r.integer("available_from_day", minimum=0),
            available_to_day=r.integer("available_to_day", minimum=0),
        )
        if offer.available_to_day < offer.available_from_day:
            raise r.fail("available_to_day", "早于 available_from_day")
        if offer.offer_id in seen:
            raise r.fail("offer_id", "重复的资源编号")
        seen.add(offer.offer_id)
        out.append(offer)
    return tuple(out)


def _parse_applications(rows: Iterable[Mapping[str, Any]], source: str) -> tuple[Application, ...]:
    out: list[Application] = []
    seen: set[str] = set()
    for r in _rows(rows, source):
        models = tuple(
            dict.fromkeys(m.strip() for m in r.text("accepted_models").split("|") if m.strip())
        )
        if not models:
            raise r.fail("accepted_models", "至少列出一种 GPU 型号")
        kind = r.text("enterprise_kind").lower()
        if kind not in ENTERPRISE_KINDS:
            raise r.fail("enterprise_kind", f"应为 {'/'.join(ENTERPRISE_KINDS)} 之一")
        app = Application(
            app_id=r.text("app_id"),
            enterprise=r.text("enterprise"),
            area=str(r.row.get("area") or "").strip(),
            accepted_models=models,
            cards=r.integer("cards", minimum=1),
            hours=r.integer("hours", minimum=1),
            earliest_day=r.integer("earliest_day", minimum=0),
            latest_end_day=r.integer("latest_end_day", minimum=0),
            max_price_per_card_hour=r.decimal("max_price_per_card_hour"),
            voucher_eligible=r.flag("voucher_eligible"),
            enterprise_kind=kind,
        )
        if app.latest_end_day < app.earliest_day:
            raise r.fail("latest_end_day", "早于 earliest_day")
        if app.app_id in seen:
            raise r.fail("app_id", "重复的申请编号")
        seen.add(app.app_id)
        out.append(app)
    return tuple(out)


def parse_programme(raw: Mapping[str, Any], source: str = "programme") -> Programme:
    """Check and convert the programme's five amounts (each a non-negative number)."""
    missing = [k for k in PROGRAMME_KEYS if k not in raw]
    if missing:
        raise InstanceError(f"{source}：缺少字段 {', '.join(missing)}")

    def value(key: str) -> Decimal:
        return _decimal(
            raw[key], lambda why: InstanceError(f"{source}，字段 {key}（值 {raw[key]!r}）：{why}")
        )

    return Programme(**{k: value(k) for k in PROGRAMME_KEYS})
