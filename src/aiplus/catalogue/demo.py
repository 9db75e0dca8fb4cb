"""Demo data of the catalogue (示例), from the `catalogue` section of the pack's demo.json.

Demo organisations publish datasets, corpora, models and an application demo through the
services, with a small generated sample file per version; the office assesses the quality of
some; the demo supplier asks for access to others (one approved, one pending with its agreement,
one refused). Entries are linked to the demo demands and solutions named in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aiplus.accounts.models import Organisation, User
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios.choices import PUBLIC_STATUSES
from aiplus.scenarios.models import Demand, Solution

from . import services
from .choices import QUALITY_DIMENSIONS
from .models import AccessRequest, Entry


def _sample(kind: str, rng: random.Random) -> tuple[str, bytes]:
    """A small sample file standing in for the real data (clearly marked as a demo)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["# 示例样本：仅用于演示，不是真实数据"])
    if kind == "defects":
        writer.writerow(["image", "defect", "x", "y", "w", "h", "mould"])
        for i in range(20):
            writer.writerow(
                [
                    f"img_{i:05d}.jpg",
                    rng.choice(["划伤", "缩水", "飞边"]),
                    rng.randint(0, 1800),
                    rng.randint(0, 1200),
                    rng.randint(8, 90),
                    rng.randint(8, 90),
                    f"M-{rng.randint(1, 12):02d}",
                ]
            )
    elif kind in ("vibration", "water"):
        names = (
            ["time", "machine", "vibration_rms", "current_a", "temp_c"]
            if kind == "vibration"
            else ["time", "pond", "do_mg_l", "ph", "water_temp_c"]
        )
        writer.writerow(names)
        start = dt.datetime(2026, 6, 1, 8, 0)
        for i in range(30):
            writer.writerow(
                [
                    (start + dt.timedelta(minutes=i)).isoformat(),
                    rng.randint(1, 9),
                    round(rng.uniform(0.5, 4.0), 3),
                    round(rng.uniform(5, 9), 2),
                    round(rng.uniform(20, 40), 1),
                ]
            )
    elif kind == "qa":
        writer.writerow(["item_code", "question", "answer"])
        writer.writerow(
            ["示例-0001", "办理营业执照需要哪些材料？", "示例答复：请以官方办事指南为准。"]
        )
        writer.writerow(
            ["示例-0002", "个体工商户可以网上注销吗？", "示例答复：可通过政务服务网办理。"]
        )
    else:
        writer.writerow(["file", "note"])
        writer.writerow(["README", "示例文件：真实文件由所属单位在平台外提供"])
    name = "model-card-sample.csv" if kind == "model" else f"{kind}-sample.csv"
    return name, out.getvalue().encode("utf-8-sig")


def _owner(key: str, users: dict) -> User | None:
    if key in users:
        return users[key]
    org = Organisation.objects.filter(is_demo=True, name__endswith=key).first()
    if org is None:
        return None
    return org.members.first()


def build(content: dict, *, users: dict, seed: int = 7) -> None:
    """Create the demo catalogue once (skipped when demo entries exist)."""
    if not content or Entry.objects.filter(is_demo=True).exists():
        return
    rng = random.Random(seed)
    office = users["office"]
    today = timezone.localdate()
    created: dict[str, Entry] = {}
    for spec in content.get("entries", []):
        owner = _owner(spec["owner"], users)
        if owner is None:
            continue
        data = {
            k: spec.get(k, "")
            for k in (
                "kind",
                "title",
                "sector",
                "summary",
                "description",
                "task",
                "size",
                "licence",
                "access",
                "base_model",
                "parameters",
                "intended_use",
                "out_of_scope",
                "data_sources",
                "evaluation",
                "risks",
            )
        }
        data.update(
            languages=spec.get("languages", []),
            tag_names=spec.get("tags", ""),
            record_count=spec.get("record_count") or "",
            is_vertical=spec.get("is_vertical", False),
            **spec.get("exchange", {}),
        )
        if spec.get("exchange"):
            data["exchange_listed_on"] = (today - dt.timedelta(days=60)).isoformat()
        entry = services.create_entry(actor=owner, data=data, is_demo=True)
        age = rng.randint(40, 300)  # days since the first version, spread for the dashboards
        if spec.get("filing"):
            filing = AlgorithmFiling.objects.filter(
                organisation=owner.organisation, is_demo=True
            ).first()
            if filing is not None:
                Entry.objects.filter(pk=entry.pk).update(filing=filing)
        if spec.get("version"):
            version = services.add_version(
                actor=owner,
                entry=entry,
                data={
                    "version": spec["version"],
                    "released_on": (today - dt.timedelta(days=age)).isoformat(),
                    "notes": "首个公开版本（示例）。",
                },
            )
            if spec.get("sample"):
                name, body = _sample(spec["sample"], rng)
                services.add_file(
                    actor=owner,
                    version=version,
                    upload=SimpleUploadedFile(name, body, content_type="text/csv"),
                )
        if not spec.get("draft"):
            entry = services.publish_entry(actor=owner, entry=entry)
            # Spread publication over the past months, so the derived indicators have a history.
            entry.published_at = timezone.now() - dt.timedelta(days=age - 3)
            entry.save(update_fields=["published_at"])
        if spec.get("quality"):
            scores = spec["quality"]
            services.assess_quality(
                actor=office,
                entry=entry,
                data={
                    **{f"score_{k}": scores[k] for k in QUALITY_DIMENSIONS},
                    "assessed_by": content.get("assessor", "示例评估机构"),
                    "assessed_on": (today - dt.timedelta(days=max(age - 30, 1))).isoformat(),
                    "note": "示例评估。",
                },
            )
        demands = Demand.objects.filter(is_demo=True, title__in=spec.get("demands", []))
        solutions = [s for t in spec.get("solutions", []) if (s := _solution(t, owner))]
        public = [d.pk for d in demands if d.status in PUBLIC_STATUSES]
        if entry.status == "published" and (public or solutions):
            services.set_links(
                actor=owner, entry=entry, demand_ids=public, solution_ids=[s.pk for s in solutions]
            )
        created[entry.title] = entry
    for spec in content.get("requests", []):
        entry = created.get(spec["entry"])
        requester = users.get(spec["from"])
        if entry is None or requester is None:
            continue
        agreement = None
        if spec.get("agreement"):
            agreement = SimpleUploadedFile(
                "数据使用协议（示例）.pdf", _agreement_pdf(), content_type="application/pdf"
            )
        req = services.request_access(
            actor=requester, entry=entry, data={"purpose": spec["purpose"]}, agreement=agreement
        )
        owner = entry.owner.members.first()
        if spec.get("approve_days"):
            until = today + dt.timedelta(days=spec["approve_days"])
            services.decide_request(
                actor=owner,
                request=req,
                data={"approve": True, "valid_until": until.isoformat(), "note": "同意（示例）。"},
            )
        elif spec.get("reject"):
            services.decide_request(
                actor=owner, request=req, data={"approve": False, "note": spec["reject"]}
            )


def _solution(title: str, owner: User) -> Solution | None:
    """A published demo solution named `title` (demo titles carry a brand prefix), the
    owner's own if it has one."""
    qs = Solution.objects.filter(is_demo=True, is_published=True, title__endswith=title)
    return qs.filter(supplier_id=owner.organisation_id).first() or qs.order_by("pk").first()


def _agreement_pdf() -> bytes:
    """A one-page placeholder PDF for the demo agreement."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def reset() -> None:
    """Delete the demo catalogue (entries of demo organisations included)."""
    AccessRequest.objects.filter(entry__is_demo=True).delete()
    Entry.objects.filter(is_demo=True).delete()
    Entry.objects.filter(owner__is_demo=True).delete()
