"""Approved allocations in the form providers' schedulers take.

- Slurm: `sacctmgr` commands — an account per enterprise, a QOS per order limiting the GPUs
  (`GrpTRES=gres/gpu:<model>=<cards>`) and the GPU-minutes (`GrpTRESMins`) the order bought,
  and the account allowed that QOS. The order's dates are in a comment: Slurm's accounting has
  no validity window, the provider's operator ends the QOS when the order ends.
- Kubernetes Kueue: a `ResourceFlavor` per offer (node labels select the offer's nodes) and a
  `ClusterQueue` per order with a nominal quota of the order's cards of that flavor, for the
  enterprise's namespace (label `aiplus.city/enterprise`).

Names are made of ids, lower case, so any scheduler accepts them; the human names go in
descriptions and annotations.
"""

from __future__ import annotations

import re

import yaml
from django.conf import settings

from .models import Order

KUEUE_API = "kueue.x-k8s.io/v1beta1"
DEFAULT_DEVICE_RESOURCES = {"ascend": "huawei.com/Ascend910", "": "nvidia.com/gpu"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower()) or "gpu"


def device_resource(gpu_model: str) -> str:
    """The Kubernetes extended resource of a GPU model: by prefix, from settings
    (`COMPUTE_DEVICE_RESOURCES`, e.g. {"ascend": "huawei.com/Ascend910", "": "nvidia.com/gpu"})."""
    table = getattr(settings, "COMPUTE_DEVICE_RESOURCES", DEFAULT_DEVICE_RESOURCES)
    name = gpu_model.lower()
    for prefix in sorted(table, key=len, reverse=True):
        if name.startswith(prefix):
            return table[prefix]
    return "nvidia.com/gpu"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "").replace('"', "'").replace("\n", " ") + '"'


def slurm_commands(orders: list[Order]) -> str:
    lines = [
        "#!/bin/sh",
        "# aiplus：已批准的算力分配（sacctmgr）。每个订单一个 QOS，限定 GPU 卡数与卡时。",
        "set -e",
    ]
    accounts_done: set[int] = set()
    for order in orders:
        enterprise = order.application.enterprise
        account = f"aiplus_e{enterprise.pk}"
        qos = f"aiplus_o{order.pk}"
        gres = f"gres/gpu:{_slug(order.offer.gpu_model)}"
        minutes = order.cards * order.hours * 60
        lines.append("")
        lines.append(
            f"# 订单 #{order.pk}：{enterprise.name}，{order.offer.gpu_model} × {order.cards} 卡，"
            f"{order.hours} 小时，{order.start} 至 {order.end}"
        )
        if enterprise.pk not in accounts_done:
            accounts_done.add(enterprise.pk)
            lines.append(
                f"sacctmgr -i add account {account} Description={_quote(enterprise.name)} "
                f"Organization=aiplus"
            )
        lines.append(f"sacctmgr -i add qos {qos}")
        lines.append(
            f"sacctmgr -i modify qos where name={qos} set GrpTRES={gres}={order.cards} "
            f"GrpTRESMins=gres/gpu={minutes} Description={_quote(f'order {order.pk}')}"
        )
        lines.append(f"sacctmgr -i modify account where name={account} set QOS+={qos}")
    return "\n".join(lines) + "\n"


def kueue_manifests(orders: list[Order]) -> str:
    docs: list[dict] = []
    flavors_done: set[int] = set()
    for order in orders:
        offer = order.offer
        flavor = f"aiplus-offer-{offer.pk}-{_slug(offer.gpu_model)}"
        if offer.pk not in flavors_done:
            flavors_done.add(offer.pk)
            docs.append(
                {
                    "apiVersion": KUEUE_API,
                    "kind": "ResourceFlavor",
                    "metadata": {
                        "name": flavor,
                        "annotations": {"aiplus.city/centre": offer.centre.name},
                    },
                    "spec": {
                        "nodeLabels": {
                            "aiplus.city/offer": str(offer.pk),
                            "aiplus.city/gpu-model": _slug(offer.gpu_model),
                        }
                    },
                }
            )
        enterprise = order.application.enterprise
        docs.append(
            {
                "apiVersion": KUEUE_API,
                "kind": "ClusterQueue",
                "metadata": {
                    "name": f"aiplus-order-{order.pk}",
                    "annotations": {
                        "aiplus.city/enterprise-name": enterprise.name,
                        "aiplus.city/window": f"{order.start}/{order.end}",
                        "aiplus.city/card-hours": str(order.cards * order.hours),
                    },
                },
                "spec": {
                    "namespaceSelector": {
                        "matchLabels": {"aiplus.city/enterprise": str(enterprise.pk)}
                    },
                    "resourceGroups": [
                        {
                            "coveredResources": [device_resource(offer.gpu_model)],
                            "flavors": [
                                {
                                    "name": flavor,
                                    "resources": [
                                        {
                                            "name": device_resource(offer.gpu_model),
                                            "nominalQuota": order.cards,
                                        }
                                    ],
                                }
                            ],
                        }
                    ],
                },
            }
        )
    return yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False)
