"""The public catalogue as linked data: DCAT-AP 3 JSON-LD for harvesters (data.europa.eu-style
portals, national open-data catalogues, CKAN's DCAT harvester) and Croissant for ML tooling.

Only published entries are exported, and only what the public entry page shows: metadata, the
card, the latest version and its files' names, sizes and checksums. Where files are not open to
anyone (`Access.ON_REQUEST`, `Access.RESTRICTED`) no file location is given — neither the
platform's download URL nor an owner's external URL; such a distribution points to the entry
page (`dcat:accessURL`), where an organisation can ask the owner for access.

Modelling choices (DCAT-AP 3.0):

- Every entry is a `dcat:Dataset`, models and application demos included, with `dct:type` a
  `skos:Concept` of the platform's own kind scheme (`<base>/catalogue/kinds#model`, …). DCAT 3
  offers `dcat:DataService` and `dcat:DatasetSeries` as the other `dcat:Resource` subclasses,
  but a model published here is a set of files (weights, configuration, a model card) and a
  demo a described artefact, not an endpoint serving requests (`dcat:DataService` requires
  `dcat:endpointURL`) nor a series of datasets; and `dcat:dataset` (range `dcat:Dataset`) is
  the only catalogue link every DCAT-AP harvester follows. Typing them as datasets with a kind
  keeps them harvestable and lets consumers filter by `dct:type`.
- Every dataset has at least one `dcat:Distribution`: one per file of the latest version, or,
  when there is none, one whose `dcat:accessURL` is the entry page (DCAT: "if the distribution
  is accessible only through a landing page, the landing page should be duplicated as
  accessURL"). `dcat:downloadURL` only for open entries: the platform's download URL of an
  uploaded file, or the external URL the owner registered.
- `dct:license` (on distributions, where DCAT-AP places it) is the licence's URL typed
  `dct:LicenseDocument` when `choices.LICENCE_URLS` knows one; the other licences (商业授权,
  按数据使用协议, 其他) are given as `dct:rights` with a `dct:RightsStatement` label instead.
- `dct:accessRights` uses the EU access-right authority table by its definitions: PUBLIC
  ("publicly accessible by everyone") for open entries; RESTRICTED ("available under certain
  conditions", e.g. to registered users on request) for entries on request; NON_PUBLIC ("not
  publicly accessible for privacy, security or other reasons") for restricted entries, which
  are released only under a signed data-use agreement for a limited time, as HealthDCAT-AP
  marks sensitive data held behind a permit. `ACCESS_RIGHTS` is the one place to change it.
- Themes: the entry's sector is a `skos:Concept` of the platform's sector scheme (with its
  Chinese and English names); where a sector obviously falls under an EU data theme
  (`SECTOR_DATA_THEMES`, e.g. 交通 → TRAN, 医疗 → HEAL) that theme is added too, and the
  sector concept points to it with `skos:closeMatch`. Other sectors get only the platform
  concept.
- Organisations are `foaf:Agent`/`foaf:Organization` blank nodes with `foaf:name` (the
  platform has no public organisation pages to give them IRIs).
- Quality: an assessed entry has one `dqv:QualityMeasurement` per GB/T 36344 dimension (value
  0–100, `xsd:integer`) of a `dqv:Metric` in a `dqv:Dimension` of the platform.

Croissant (`croissant`) follows the Croissant 1.0 context; files are `cr:FileObject`s, with a
`contentUrl` only when anyone may download them.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation

from .choices import (
    DATA_KINDS,
    LICENCE_URLS,
    QUALITY_DIMENSIONS,
    Access,
    Kind,
    Licence,
    Status,
)
from .models import Entry, File, Version

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "adms": "http://www.w3.org/ns/adms#",
    "spdx": "http://spdx.org/rdf/terms#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

EU = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHTS = {
    Access.OPEN: EU + "access-right/PUBLIC",
    Access.ON_REQUEST: EU + "access-right/RESTRICTED",
    Access.RESTRICTED: EU + "access-right/NON_PUBLIC",
}
# choices.Language → EU language authority; "zxx" (no linguistic content) has no entry.
LANGUAGES = {
    "zh": EU + "language/ZHO",
    "en": EU + "language/ENG",
    "ja": EU + "language/JPN",
    "ko": EU + "language/KOR",
    "de": EU + "language/DEU",
    "fr": EU + "language/FRA",
    "mul": EU + "language/MUL",
}
DATA_THEME_SCHEME = EU + "data-theme"
# Sector codes of the city packs → EU data theme, only where the theme obviously covers the
# sector; other sectors are exported with the platform's own concept only.
SECTOR_DATA_THEMES = {
    "agriculture": "AGRI",
    "finance": "ECON",
    "consumption": "ECON",
    "education": "EDUC",
    "culture_tourism": "EDUC",
    "energy": "ENER",
    "environment": "ENVI",
    "government_services": "GOVE",
    "healthcare": "HEAL",
    "research": "TECH",
    "transport": "TRAN",
    "low_altitude": "TRAN",
}
# File name suffix → EU file-type authority code (dct:format), for the common ones.
FILE_FORMATS = {
    ".csv": "CSV",
    ".tsv": "TSV",
    ".json": "JSON",
    ".xml": "XML",
    ".txt": "TXT",
    ".pdf": "PDF",
    ".xlsx": "XLSX",
    ".parquet": "PARQUET",
    ".zip": "ZIP",
    ".gz": "GZIP",
    ".tar": "TAR",
    ".7z": "7Z",
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".mp3": "MP3",
    ".mp4": "MP4",
}
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
SHA256 = "spdx:checksumAlgorithm_sha256"
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")

CROISSANT_CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CROISSANT_CONTEXT = {
    "@language": "zh",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

__all__ = [
    "catalogue_jsonld",
    "croissant",
    "default_catalogue_meta",
    "download_url",
    "entry_url",
    "is_croissant_kind",
    "public_entries",
]


# --- URLs ----------------------------------------------------------------------------------


def _base(base_url: str) -> str:
    return base_url.rstrip("/") + "/"


def _url(base_url: str, path: str) -> str:
    return _base(base_url) + path.lstrip("/")


def entry_url(entry: Entry, *, base_url: str) -> str:
    """The absolute URL of the entry's page on the platform (its landing page)."""
    return _url(base_url, f"catalogue/{entry.pk}/")


def _entry_iri(entry: Entry, base_url: str) -> str:
    return entry_url(entry, base_url=base_url) + "#entry"


def download_url(item: File, entry: Entry, *, base_url: str) -> str | None:
    """Where anyone may fetch the file: None unless the entry is published and open; the
    owner's external URL for an external file, else the platform's download URL."""
    if entry.status != Status.PUBLISHED or entry.access != Access.OPEN:
        return None
    if item.url:
        return item.url
    return _url(base_url, f"catalogue/files/{item.pk}/download/")


# --- values --------------------------------------------------------------------------------


def _zh(text: str) -> dict:
    return {"@value": text, "@language": "zh"}


def _labels(label, name_en: str = "") -> list[dict]:
    """A code-list label in Chinese (the msgid) and, where it differs, in English."""
    with translation.override(None):
        zh = str(label)
    with translation.override("en"):
        en = name_en or str(label)
    values = [_zh(zh)]
    if en and en != zh:
        values.append({"@value": en, "@language": "en"})
    return values


def _datetime(value: datetime | date) -> dict:
    if isinstance(value, datetime):
        text = timezone.localtime(value).replace(microsecond=0).isoformat()
        return {"@value": text, "@type": "xsd:dateTime"}
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _ref(iri: str) -> dict:
    return {"@id": iri}


def _description(entry: Entry) -> str:
    parts = [entry.summary.strip(), entry.description.strip()]
    return "\n\n".join(p for p in parts if p) or entry.title


def _media_type(item: File) -> str:
    value = (item.media_type or "").split(";")[0].strip().lower()
    if not _MEDIA_TYPE.match(value):
        value = (mimetypes.guess_type(item.name)[0] or "").lower()
    return value if _MEDIA_TYPE.match(value) else ""


def _suffix(item: File) -> str:
    return PurePosixPath(item.name).suffix.lower()


def _latest_version(entry: Entry) -> Version | None:
    """The latest version, from prefetched versions when `public_entries` fetched them."""
    cache = getattr(entry, "_prefetched_objects_cache", {})
    if "versions" in cache:
        versions = list(cache["versions"])
        return max(versions, key=lambda v: (v.released_on, v.pk), default=None)
    return entry.latest_version()


def _tags(entry: Entry) -> list[str]:
    return [t.name for t in entry.tags.all()]


def public_entries() -> QuerySet[Entry]:
    """Published entries with what the export reads, fetched in a fixed number of queries."""
    return (
        Entry.objects.filter(status=Status.PUBLISHED)
        .select_related("owner", "sector")
        .prefetch_related(
            "tags",
            Prefetch("versions", queryset=Version.objects.prefetch_related("files")),
        )
        .order_by("pk")
    )


# --- DCAT-AP -------------------------------------------------------------------------------


class _Graph:
    """The nodes of the @graph, by @id, so shared nodes (concepts, agents, licences) are
    written once."""

    def __init__(self, base_url: str) -> None:
        self.base = _base(base_url)
        self.nodes: dict[str, dict] = {}

    def add(self, node: dict) -> str:
        self.nodes.setdefault(node["@id"], node)
        return node["@id"]

    def agent(self, name: str, *, key: str, website: str = "") -> dict:
        node = {
            "@id": f"_:{key}",
            "@type": ["foaf:Agent", "foaf:Organization"],
            "foaf:name": _zh(name),
        }
        if website:
            node["foaf:homepage"] = _ref(website)
        return _ref(self.add(node))

    def organisation(self, org) -> dict:
        return self.agent(org.name, key=f"org-{org.pk}", website=org.website)

    def scheme(self, iri: str, title: list[dict]) -> dict:
        return _ref(self.add({"@id": iri, "@type": "skos:ConceptScheme", "dct:title": title}))

    def kind(self, kind: str) -> dict:
        scheme = self.base + "catalogue/kinds"
        self.scheme(scheme, [_zh("目录条目类型")])
        return _ref(
            self.add(
                {
                    "@id": f"{scheme}#{kind}",
                    "@type": "skos:Concept",
                    "skos:prefLabel": _labels(Kind(kind).label),
                    "skos:inScheme": _ref(scheme),
                }
            )
        )

    def sector_themes(self, sector) -> list[dict]:
        scheme = self.base + "catalogue/sectors"
        self.scheme(scheme, [_zh("重点领域")])
        concept = {
            "@id": f"{scheme}#{sector.code}",
            "@type": "skos:Concept",
            "skos:prefLabel": _labels(sector.name, sector.name_en),
            "skos:inScheme": _ref(scheme),
        }
        themes = [concept["@id"]]
        code = SECTOR_DATA_THEMES.get(sector.code)
        if code:
            eu = f"{DATA_THEME_SCHEME}/{code}"
            concept["skos:closeMatch"] = _ref(eu)
            self.add({"@id": DATA_THEME_SCHEME, "@type": "skos:ConceptScheme"})
            self.add({"@id": eu, "@type": "skos:Concept", "skos:inScheme": _ref(DATA_THEME_SCHEME)})
            themes.append(eu)
        self.add(concept)
        return [_ref(t) for t in themes]

    def typed(self, iri: str, rdf_type: str) -> dict:
        return _ref(self.add({"@id": iri, "@type": rdf_type}))

    def metric(self, code: str) -> dict:
        scheme = self.base + "catalogue/quality"
        dimension = self.add(
            {
                "@id": f"{scheme}#dimension-{code}",
                "@type": "dqv:Dimension",
                "skos:prefLabel": _labels(QUALITY_DIMENSIONS[code]),
            }
        )
        return _ref(
            self.add(
                {
                    "@id": f"{scheme}#{code}",
                    "@type": "dqv:Metric",
                    "skos:prefLabel": _labels(QUALITY_DIMENSIONS[code]),
                    "skos:definition": _zh("GB/T 36344-2018 数据质量评价指标评分（0–100）"),
                    "dqv:expectedDataType": _ref("xsd:integer"),
                    "dqv:inDimension": _ref(dimension),
                }
            )
        )


def _licence(graph: _Graph, entry: Entry) -> dict[str, Any]:
    url = LICENCE_URLS.get(entry.licence)
    if url:
        return {"dct:license": graph.typed(url, "dct:LicenseDocument")}
    label = Licence(entry.licence).label if entry.licence in Licence.values else entry.licence
    return {"dct:rights": {"@type": "dct:RightsStatement", "rdfs:label": _labels(label)}}


def _distributions(graph: _Graph, entry: Entry, version: Version | None) -> list[dict]:
    page = entry_url(entry, base_url=graph.base)
    licence = _licence(graph, entry)
    rights = graph.typed(ACCESS_RIGHTS[entry.access], "dct:RightsStatement")
    files = list(version.files.all()) if version is not None else []
    if not files:
        return [
            {
                "@id": page + "#page",
                "@type": "dcat:Distribution",
                "dct:title": _zh(f"{entry.title}（条目页面）"),
                "dct:description": _zh("文件与使用方式见平台上的条目页面。"),
                "dcat:accessURL": _ref(page),
                "dct:accessRights": rights,
                **licence,
            }
        ]
    out = []
    for item in files:
        node: dict[str, Any] = {
            "@id": f"{page}#file-{item.pk}",
            "@type": "dcat:Distribution",
            "dct:title": item.name,  # a file name: no language
            "dcat:accessURL": _ref(page),
            "dct:accessRights": rights,
            "dct:issued": _datetime(item.created_at),
            **licence,
        }
        url = download_url(item, entry, base_url=graph.base)
        if url:
            node["dcat:downloadURL"] = _ref(url)
        if item.byte_size is not None:
            node["dcat:byteSize"] = {
                "@value": str(item.byte_size),
                "@type": "xsd:nonNegativeInteger",
            }
        media_type = _media_type(item)
        if media_type:
            node["dcat:mediaType"] = graph.typed(IANA_MEDIA_TYPES + media_type, "dct:MediaType")
        file_format = FILE_FORMATS.get(_suffix(item))
        if file_format:
            node["dct:format"] = graph.typed(
                f"{EU}file-type/{file_format}", "dct:MediaTypeOrExtent"
            )
        if item.sha256:
            node["spdx:checksum"] = {
                "@type": "spdx:Checksum",
                "spdx:algorithm": _ref(SHA256),
                "spdx:checksumValue": {"@value": item.sha256, "@type": "xsd:hexBinary"},
            }
        out.append(node)
    return out


def _quality(graph: _Graph, entry: Entry, iri: str) -> list[dict]:
    if not entry.quality_grade:
        return []
    out = []
    for code in QUALITY_DIMENSIONS:
        value = entry.quality_scores.get(code)
        if value is None:
            continue
        out.append(
            {
                "@type": "dqv:QualityMeasurement",
                "dqv:isMeasurementOf": graph.metric(code),
                "dqv:computedOn": _ref(iri),
                "dqv:value": {"@value": str(int(value)), "@type": "xsd:integer"},
            }
        )
    return out


def _dataset(graph: _Graph, entry: Entry) -> dict:
    iri = _entry_iri(entry, graph.base)
    page = entry_url(entry, base_url=graph.base)
    node: dict[str, Any] = {
        "@id": iri,
        "@type": "dcat:Dataset",
        "dct:identifier": iri,
        "dct:title": _zh(entry.title),
        "dct:description": _zh(_description(entry)),
        "dct:type": graph.kind(entry.kind),
        "dct:publisher": graph.organisation(entry.owner),
        "dcat:landingPage": _ref(page),
        "dct:accessRights": graph.typed(ACCESS_RIGHTS[entry.access], "dct:RightsStatement"),
        "dct:modified": _datetime(entry.updated_at),
    }
    if entry.published_at:
        node["dct:issued"] = _datetime(entry.published_at)
    tags = _tags(entry)
    if tags:
        node["dcat:keyword"] = [_zh(t) for t in tags]
    if entry.sector_id:
        node["dcat:theme"] = graph.sector_themes(entry.sector)
    languages = [LANGUAGES[code] for code in entry.languages if code in LANGUAGES]
    if languages:
        node["dct:language"] = [graph.typed(lang, "dct:LinguisticSystem") for lang in languages]
    if entry.landing_page:
        node["foaf:page"] = _ref(entry.landing_page)
    version = _latest_version(entry)
    if version is not None:
        node["dcat:version"] = version.version
        if version.notes.strip():
            node["adms:versionNotes"] = _zh(version.notes.strip())
    node["dcat:distribution"] = _distributions(graph, entry, version)
    measurements = _quality(graph, entry, iri)
    if measurements:
        node["dqv:hasQualityMeasurement"] = measurements
    return node


def default_catalogue_meta(*, base_url: str) -> dict:
    """Title, description, publisher and homepage of the platform's catalogue: the publisher
    is the programme office (its organisation on the platform, else the city pack's office
    name, else the city's name)."""
    from django.conf import settings

    from aiplus.accounts.choices import OrgStatus, Role
    from aiplus.accounts.models import Organisation
    from aiplus.core.citypack import pack_meta
    from aiplus.core.errors import ServiceError

    try:
        pack = pack_meta(settings.CITY_PACK)
    except (ServiceError, OSError, ValueError):
        pack = {}
    platform = pack.get("platform_title") or "人工智能+城市服务平台"
    office = (
        Organisation.objects.filter(kind=Role.OFFICE, status=OrgStatus.APPROVED)
        .order_by("pk")
        .first()
    )
    return {
        "title": f"{platform}·数据与模型目录",
        "description": (
            f"{platform}数据平台及模型平台发布的数据集、语料库、模型和应用示范（仅含已发布条目；"
            "非开放条目的文件须在平台上向所属单位申请使用）。"
        ),
        "publisher": office or pack.get("office_name") or pack.get("name") or platform,
        "homepage": _url(base_url, "catalogue/"),
        "language": ["zh"],
    }


def catalogue_jsonld(entries: Iterable[Entry], *, base_url: str, catalogue_meta: dict) -> dict:
    """The published entries among `entries` as a DCAT-AP 3 catalogue in JSON-LD.

    `catalogue_meta`: title, description, publisher (an Organisation or a name), and
    optionally homepage, language (codes such as "zh") and modified (a datetime; default the
    latest change of an exported entry)."""
    graph = _Graph(base_url)
    published = [e for e in entries if e.status == Status.PUBLISHED]
    datasets = [_dataset(graph, e) for e in published]
    publisher = catalogue_meta.get("publisher") or catalogue_meta["title"]
    if hasattr(publisher, "pk"):
        agent = graph.organisation(publisher)
    else:
        agent = graph.agent(str(publisher), key="catalogue-publisher")
    modified = catalogue_meta.get("modified") or max(
        (e.updated_at for e in published), default=timezone.now()
    )
    catalogue: dict[str, Any] = {
        "@id": _url(base_url, "catalogue/#catalogue"),
        "@type": "dcat:Catalog",
        "dct:title": _zh(str(catalogue_meta["title"])),
        "dct:description": _zh(str(catalogue_meta.get("description") or catalogue_meta["title"])),
        "dct:publisher": agent,
        "foaf:homepage": _ref(catalogue_meta.get("homepage") or _url(base_url, "catalogue/")),
        "dct:modified": _datetime(modified),
    }
    languages = [LANGUAGES[c] for c in catalogue_meta.get("language", ["zh"]) if c in LANGUAGES]
    if languages:
        catalogue["dct:language"] = [graph.typed(i, "dct:LinguisticSystem") for i in languages]
    # the schemes of the datasets' themes: the sectors and, where used, the EU data themes
    themes = [graph.base + "catalogue/sectors", DATA_THEME_SCHEME]
    schemes = [i for i in themes if i in graph.nodes]
    if schemes:
        catalogue["dcat:themeTaxonomy"] = [_ref(i) for i in schemes]
    catalogue["dcat:dataset"] = [_ref(d["@id"]) for d in datasets]
    return {"@context": CONTEXT, "@graph": [catalogue, *datasets, *graph.nodes.values()]}


# --- Croissant -----------------------------------------------------------------------------


def croissant(entry: Entry, *, base_url: str) -> dict:
    """Croissant 1.0 (schema.org) JSON-LD of one dataset or corpus: its metadata, the
    responsible-AI notes of its card, and the files of its latest version as `cr:FileObject`s
    (`contentUrl` only when anyone may download them)."""
    page = entry_url(entry, base_url=base_url)
    owner = {"@type": "sc:Organization", "name": entry.owner.name}
    if entry.owner.website:
        owner["url"] = entry.owner.website
    licence = LICENCE_URLS.get(entry.licence)
    if licence is None:
        with translation.override(None):
            licence = str(Licence(entry.licence).label) if entry.licence in Licence.values else ""
    doc: dict[str, Any] = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "@id": _entry_iri(entry, base_url),
        "conformsTo": CROISSANT_CONFORMS_TO,
        "name": entry.title,
        "description": _description(entry),
        "url": page,
        "license": licence or entry.licence,
        "creator": owner,
        "publisher": owner,
        "isAccessibleForFree": entry.access == Access.OPEN and not entry.exchange_price,
    }
    if entry.access != Access.OPEN:
        doc["conditionsOfAccess"] = (
            "受限数据：须签署数据使用协议并经所属单位批准，限期使用。"
            if entry.access == Access.RESTRICTED
            else "须在平台上向所属单位申请使用，经批准后方可获取文件。"
        )
    if entry.landing_page:
        doc["sameAs"] = entry.landing_page
    if entry.published_at:
        doc["datePublished"] = _iso(entry.published_at)
    doc["dateModified"] = _iso(entry.updated_at)
    tags = _tags(entry)
    if tags:
        doc["keywords"] = tags
    languages = [code for code in entry.languages if code != "zxx"]
    if languages:
        doc["inLanguage"] = languages
    version = _latest_version(entry)
    if version is not None:
        doc["version"] = version.version
    rai = {
        "rai:dataCollection": entry.data_sources.strip(),
        "rai:dataUseCases": entry.intended_use.strip(),
        "rai:dataLimitations": "\n\n".join(
            t for t in (entry.risks.strip(), entry.out_of_scope.strip()) if t
        ),
    }
    doc.update({k: v for k, v in rai.items() if v})
    files = []
    for item in version.files.all() if version is not None else []:
        node: dict[str, Any] = {
            "@type": "cr:FileObject",
            "@id": f"{page}#file-{item.pk}",
            "name": item.name,
        }
        url = download_url(item, entry, base_url=base_url)
        if url:
            node["contentUrl"] = url
        media_type = _media_type(item)
        if media_type:
            node["encodingFormat"] = media_type
        if item.byte_size is not None:
            node["contentSize"] = f"{item.byte_size} B"
        if item.sha256:
            node["sha256"] = item.sha256
        files.append(node)
    doc["distribution"] = files
    return doc


def is_croissant_kind(entry: Entry) -> bool:
    """Croissant describes datasets: exported for datasets and corpora only."""
    return entry.kind in DATA_KINDS
