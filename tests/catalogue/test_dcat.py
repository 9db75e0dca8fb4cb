"""The catalogue as linked data: the DCAT-AP 3 export of the published entries and the Croissant
export of a dataset, both parsed back with rdflib and checked as a graph — which classes it
uses, that mandatory properties are there with the right ranges, and that no file location of
an entry that is not open leaks."""

from __future__ import annotations

import json

import pytest
from django.http import Http404
from django.test import RequestFactory
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from aiplus.accounts.choices import Role
from aiplus.catalogue import dcat, exports, services
from aiplus.catalogue.choices import Status

from ..factories import make_user
from .support import make_entry, on_request, restricted

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

BASE = "https://aiplus.example.cn/"
# plain namespaces: rdflib's DCAT is DCAT 2 (no dcat:version)
DCAT = Namespace("http://www.w3.org/ns/dcat#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SC = Namespace("https://schema.org/")
EU = "http://publications.europa.eu/resource/authority/"
OPEN_URL = "https://data.example.com/traffic/flow-2024.parquet"
MODEL_URL = "https://models.example.com/secret/weights.safetensors"
RESTRICTED_URL = "https://secret.example.com/patients.zip"
DIGEST = "ab" * 32

ALLOWED_CLASSES = {
    DCAT.Catalog,
    DCAT.Dataset,
    DCAT.Distribution,
    FOAF.Agent,
    FOAF.Organization,
    SKOS.Concept,
    SKOS.ConceptScheme,
    DCTERMS.LicenseDocument,
    DCTERMS.RightsStatement,
    DCTERMS.LinguisticSystem,
    DCTERMS.MediaType,
    DCTERMS.MediaTypeOrExtent,
    SPDX.Checksum,
    DQV.QualityMeasurement,
    DQV.Metric,
    DQV.Dimension,
}


@pytest.fixture
def owner(citypack):
    return make_user(Role.SUPPLIER, username="owner")


@pytest.fixture
def entries(owner, office):
    """An open dataset with an uploaded and an external file, a model on request, a restricted
    (and assessed) dataset, and a draft."""
    opened = make_entry(
        owner,
        title="城市道路交通流量数据集",
        sector="transport",
        languages=["zh", "en"],
        tag_names="交通流量、时序预测",
        task="time-series-forecasting",
        url=OPEN_URL,
    )
    version = opened.versions.get()
    version.notes = "首次发布"
    version.save()
    services.add_external_file(
        actor=owner,
        version=version,
        data={
            "name": "校验数据.csv",
            "url": OPEN_URL + ".csv",
            "byte_size": 2048,
            "sha256": DIGEST,
        },
    )
    model = on_request(
        owner,
        kind="model",
        title="政务问答大模型",
        sector="government_services",
        task="question-answering",
        evaluation="内部问答集准确率 91%。",
        body=None,
        url=MODEL_URL,
    )
    secret = restricted(
        owner,
        title="门诊病历语料",
        sector="healthcare",
        kind="corpus",
        task="information-extraction",
        body=None,
        url=RESTRICTED_URL,
    )
    scores = {f"score_{c}": 70 + i for i, c in enumerate(dcat.QUALITY_DIMENSIONS)}
    secret = services.assess_quality(
        actor=office,
        entry=secret,
        data={"assessed_by": "市数据质量评估中心", "assessed_on": "2026-10-01", **scores},
    )
    draft = make_entry(owner, title="尚未发布的数据集", published=False)
    return {"open": opened, "model": model, "restricted": secret, "draft": draft}


def export(**meta) -> dict:
    catalogue_meta = dcat.default_catalogue_meta(base_url=BASE) | meta
    return dcat.catalogue_jsonld(
        dcat.public_entries(), base_url=BASE, catalogue_meta=catalogue_meta
    )


def graph_of(doc: dict) -> Graph:
    return Graph().parse(data=json.dumps(doc, ensure_ascii=False), format="json-ld")


def iri(entry) -> URIRef:
    return URIRef(f"{BASE}catalogue/{entry.pk}/#entry")


def page(entry) -> URIRef:
    return URIRef(f"{BASE}catalogue/{entry.pk}/")


def ask(g: Graph, query: str) -> bool:
    prefixes = (
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    )
    return bool(g.query(prefixes + query).askAnswer)


def test_catalogue_lists_published_entries_only(entries, office):
    g = graph_of(export())
    catalogues = set(g.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogues) == 1
    catalogue = catalogues.pop()
    listed = set(g.objects(catalogue, DCAT.dataset))
    published = {iri(entries[k]) for k in ("open", "model", "restricted")}
    assert listed == published
    assert set(g.subjects(RDF.type, DCAT.Dataset)) == published
    draft = entries["draft"]
    assert (iri(draft), None, None) not in g
    assert "尚未发布的数据集" not in json.dumps(export(), ensure_ascii=False)
    # the catalogue's own mandatory and recommended properties
    assert g.value(catalogue, DCTERMS.title).language == "zh"
    assert g.value(catalogue, DCTERMS.description)
    publisher = g.value(catalogue, DCTERMS.publisher)
    assert str(g.value(publisher, FOAF.name)) == office.organisation.name
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert g.value(catalogue, FOAF.homepage) == URIRef(BASE + "catalogue/")
    assert (catalogue, DCTERMS.language, URIRef(EU + "language/ZHO")) in g
    assert g.value(catalogue, DCTERMS.modified).datatype == XSD.dateTime
    schemes = set(g.objects(catalogue, DCAT.themeTaxonomy))
    assert schemes == {URIRef(BASE + "catalogue/sectors"), URIRef(EU + "data-theme")}
    assert all((s, RDF.type, SKOS.ConceptScheme) in g for s in schemes)


def test_withdrawn_entries_leave_the_catalogue(entries, owner):
    services.withdraw_entry(actor=owner, entry=entries["model"])
    g = graph_of(export())
    assert (iri(entries["model"]), RDF.type, DCAT.Dataset) not in g
    # even when a caller passes unpublished entries, only published ones are exported
    doc = dcat.catalogue_jsonld(
        [entries["draft"], entries["open"]], base_url=BASE, catalogue_meta={"title": "目录"}
    )
    assert set(graph_of(doc).subjects(RDF.type, DCAT.Dataset)) == {iri(entries["open"])}


def test_every_class_is_a_dcat_ap_class(entries):
    g = graph_of(export())
    used = set(g.objects(None, RDF.type))
    assert used <= ALLOWED_CLASSES, used - ALLOWED_CLASSES
    assert {DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, SPDX.Checksum} <= used


def test_mandatory_properties(entries):
    g = graph_of(export())
    # datasets: dct:title and dct:description; distributions: dcat:accessURL
    assert not ask(g, "ASK { ?d a dcat:Dataset FILTER NOT EXISTS { ?d dct:title ?t } }")
    assert not ask(g, "ASK { ?d a dcat:Dataset FILTER NOT EXISTS { ?d dct:description ?t } }")
    assert not ask(g, "ASK { ?d a dcat:Distribution FILTER NOT EXISTS { ?d dcat:accessURL ?u } }")
    assert not ask(g, "ASK { ?d a dcat:Dataset FILTER NOT EXISTS { ?d dcat:distribution ?x } }")
    # every distribution belongs to a dataset, every agent has a name
    assert not ask(
        g, "ASK { ?x a dcat:Distribution FILTER NOT EXISTS { ?d dcat:distribution ?x } }"
    )
    assert not ask(g, "ASK { ?a a foaf:Agent FILTER NOT EXISTS { ?a foaf:name ?n } }")
    for key in ("open", "model", "restricted"):
        entry = entries[key]
        subject = iri(entry)
        title = g.value(subject, DCTERMS.title)
        assert title == Literal(entry.title, lang="zh")
        assert entry.summary in str(g.value(subject, DCTERMS.description))
        assert str(g.value(subject, DCTERMS.identifier)) == str(subject)
        assert g.value(subject, DCAT.landingPage) == page(entry)
        assert str(g.value(g.value(subject, DCTERMS.publisher), FOAF.name)) == entry.owner.name
        assert str(g.value(subject, DCAT.version)) == "1.0"
        for distribution in g.objects(subject, DCAT.distribution):
            assert g.value(distribution, DCAT.accessURL) == page(entry)


def test_property_ranges(entries):
    g = graph_of(export())
    for dataset in g.subjects(RDF.type, DCAT.Dataset):
        for prop in (DCTERMS.issued, DCTERMS.modified):
            value = g.value(dataset, prop)
            assert isinstance(value, Literal) and value.datatype == XSD.dateTime, (prop, value)
    sizes = list(g.objects(None, DCAT.byteSize))
    assert sizes and all(s.datatype == XSD.nonNegativeInteger for s in sizes)
    assert Literal("2048", datatype=XSD.nonNegativeInteger) in sizes
    licences = list(g.objects(None, DCTERMS.license))
    assert licences
    for licence in licences:
        assert isinstance(licence, URIRef)
        assert (licence, RDF.type, DCTERMS.LicenseDocument) in g
    assert URIRef("https://creativecommons.org/licenses/by/4.0/") in licences
    for checksum in g.objects(None, SPDX.checksum):
        assert (checksum, RDF.type, SPDX.Checksum) in g
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert g.value(checksum, SPDX.checksumValue).datatype == XSD.hexBinary
    for rights in g.objects(None, DCTERMS.accessRights):
        assert (rights, RDF.type, DCTERMS.RightsStatement) in g
    for language in g.objects(None, DCTERMS.language):
        assert (language, RDF.type, DCTERMS.LinguisticSystem) in g
    for media_type in g.objects(None, DCAT.mediaType):
        assert (media_type, RDF.type, DCTERMS.MediaType) in g


def test_open_dataset(entries):
    g = graph_of(export())
    entry = entries["open"]
    subject = iri(entry)
    assert g.value(subject, DCTERMS.accessRights) == URIRef(EU + "access-right/PUBLIC")
    keywords = {str(k) for k in g.objects(subject, DCAT.keyword)}
    assert keywords == {"交通流量", "时序预测"}
    languages = set(g.objects(subject, DCTERMS.language))
    assert languages == {URIRef(EU + "language/ZHO"), URIRef(EU + "language/ENG")}
    # theme: the platform's sector concept, and the EU data theme it obviously falls under
    themes = set(g.objects(subject, DCAT.theme))
    sector = URIRef(BASE + "catalogue/sectors#transport")
    assert themes == {sector, URIRef(EU + "data-theme/TRAN")}
    assert (sector, SKOS.prefLabel, Literal("交通", lang="zh")) in g
    assert (sector, RDF.type, SKOS.Concept) in g
    assert g.value(subject, ADMS.versionNotes) == Literal("首次发布", lang="zh")
    # one distribution per file, each downloadable: the platform URL of the uploaded file,
    # the owner's URL of the external ones
    distributions = list(g.objects(subject, DCAT.distribution))
    assert len(distributions) == 3
    downloads = {str(g.value(d, DCAT.downloadURL)) for d in distributions}
    uploaded = entry.versions.get().files.exclude(file="").get()
    assert downloads == {
        f"{BASE}catalogue/files/{uploaded.pk}/download/",
        OPEN_URL,
        OPEN_URL + ".csv",
    }
    csv = next(d for d in distributions if str(g.value(d, DCTERMS.title)) == "校验数据.csv")
    assert g.value(csv, DCAT.mediaType) == URIRef(
        "http://www.iana.org/assignments/media-types/text/csv"
    )
    assert g.value(csv, DCTERMS.format) == URIRef(EU + "file-type/CSV")
    checksum = g.value(csv, SPDX.checksum)
    assert str(g.value(checksum, SPDX.checksumValue)) == DIGEST
    # the uploaded file's size and digest are those the service recorded
    upload = next(d for d in distributions if g.value(d, DCAT.downloadURL).endswith("/download/"))
    assert int(g.value(upload, DCAT.byteSize)) == uploaded.byte_size
    assert str(g.value(g.value(upload, SPDX.checksum), SPDX.checksumValue)) == uploaded.sha256


def test_no_download_urls_for_entries_that_are_not_open(entries):
    doc = export()
    g = graph_of(doc)
    for key in ("model", "restricted"):
        entry = entries[key]
        distributions = list(g.objects(iri(entry), DCAT.distribution))
        assert distributions
        for distribution in distributions:
            assert g.value(distribution, DCAT.downloadURL) is None
            assert g.value(distribution, DCAT.accessURL) == page(entry)
    text = json.dumps(doc, ensure_ascii=False)
    assert MODEL_URL not in text and RESTRICTED_URL not in text
    assert not ask(
        g,
        f"ASK {{ <{iri(entries['restricted'])}> dcat:distribution ?d . ?d dcat:downloadURL ?u }}",
    )
    assert g.value(iri(entries["model"]), DCTERMS.accessRights) == URIRef(
        EU + "access-right/RESTRICTED"
    )
    assert g.value(iri(entries["restricted"]), DCTERMS.accessRights) == URIRef(
        EU + "access-right/NON_PUBLIC"
    )


def test_models_are_datasets_with_a_kind(entries):
    g = graph_of(export())
    model = iri(entries["model"])
    kind = g.value(model, DCTERMS.type)
    assert kind == URIRef(BASE + "catalogue/kinds#model")
    assert (kind, SKOS.prefLabel, Literal("模型", lang="zh")) in g
    assert g.value(iri(entries["restricted"]), DCTERMS.type) == URIRef(
        BASE + "catalogue/kinds#corpus"
    )
    # a licence without a URL (商业授权) is a rights statement, not a licence document
    distribution = g.value(model, DCAT.distribution)
    assert g.value(distribution, DCTERMS.license) is None
    rights = g.value(distribution, DCTERMS.rights)
    assert (rights, RDF.type, DCTERMS.RightsStatement) in g


def test_quality_measurements(entries):
    g = graph_of(export())
    assessed = iri(entries["restricted"])
    measurements = list(g.objects(assessed, DQV.hasQualityMeasurement))
    assert len(measurements) == len(dcat.QUALITY_DIMENSIONS)
    for m in measurements:
        assert (m, RDF.type, DQV.QualityMeasurement) in g
        value = g.value(m, DQV.value)
        assert value.datatype == XSD.integer and 0 <= int(value) <= 100
        metric = g.value(m, DQV.isMeasurementOf)
        assert (metric, RDF.type, DQV.Metric) in g
        assert (g.value(metric, DQV.inDimension), RDF.type, DQV.Dimension) in g
    completeness = URIRef(BASE + "catalogue/quality#completeness")
    found = {g.value(m, DQV.isMeasurementOf): int(g.value(m, DQV.value)) for m in measurements}
    assert found[completeness] == 71
    assert g.value(iri(entries["open"]), DQV.hasQualityMeasurement) is None


def test_catalogue_publisher_without_an_office(owner):
    """Without an office organisation on the platform, the city pack's office publishes."""
    from aiplus.accounts.models import Organisation

    make_entry(owner)
    assert not Organisation.objects.filter(kind=Role.OFFICE).exists()
    meta = dcat.default_catalogue_meta(base_url=BASE)
    assert meta["publisher"] == "苏州市“人工智能+”城市建设工作专班办公室"
    g = graph_of(export())
    catalogue = next(g.subjects(RDF.type, DCAT.Catalog))
    assert str(g.value(g.value(catalogue, DCTERMS.publisher), FOAF.name)) == meta["publisher"]


def test_an_entry_without_files_is_reached_through_its_page(owner):
    demo = make_entry(
        owner, kind="demo", title="古城导览应用示范", version=None, body=None, licence="MIT"
    )
    g = graph_of(export())
    [distribution] = g.objects(iri(demo), DCAT.distribution)
    assert g.value(distribution, DCAT.accessURL) == page(demo)
    assert g.value(distribution, DCAT.downloadURL) is None
    assert g.value(distribution, DCTERMS.license) == URIRef("https://opensource.org/license/mit")
    assert g.value(iri(demo), DCAT.version) is None


# --- Croissant -----------------------------------------------------------------------------


def test_croissant_of_an_open_dataset(entries):
    entry = entries["open"]
    doc = dcat.croissant(entry, base_url=BASE)
    assert doc["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert doc["@context"]["@vocab"] == "https://schema.org/"
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    g = graph_of(doc)
    [dataset] = g.subjects(RDF.type, SC.Dataset)
    assert str(g.value(dataset, SC.name)) == entry.title
    assert str(g.value(dataset, SC.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert str(g.value(dataset, SC.url)) == str(page(entry))
    assert str(g.value(dataset, SC.version)) == "1.0"
    assert g.value(dataset, SC.isAccessibleForFree).toPython() is True
    assert str(g.value(g.value(dataset, SC.creator), SC.name)) == entry.owner.name
    assert {str(k) for k in g.objects(dataset, SC.keywords)} == {"交通流量", "时序预测"}
    assert g.value(dataset, SC.datePublished)
    files = list(g.objects(dataset, SC.distribution))
    assert len(files) == 3
    cr = Namespace("http://mlcommons.org/croissant/")
    for f in files:
        assert (f, RDF.type, cr.FileObject) in g
        assert g.value(f, SC.contentUrl)
        assert g.value(f, SC.name)
    urls = {str(g.value(f, SC.contentUrl)) for f in files}
    assert OPEN_URL in urls
    sizes = {str(g.value(f, SC.contentSize)) for f in files}
    assert "2048 B" in sizes
    assert DIGEST in {str(g.value(f, SC.sha256)) for f in files}
    assert "数据来源" not in doc  # the card's sections are RAI properties
    assert doc["rai:dataCollection"] == entry.data_sources


def test_croissant_of_a_restricted_dataset_has_no_content_urls(entries):
    doc = dcat.croissant(entries["restricted"], base_url=BASE)
    assert RESTRICTED_URL not in json.dumps(doc, ensure_ascii=False)
    g = graph_of(doc)
    [dataset] = g.subjects(RDF.type, SC.Dataset)
    assert g.value(dataset, SC.isAccessibleForFree).toPython() is False
    assert g.value(dataset, SC.conditionsOfAccess)
    assert str(g.value(dataset, SC.license)) == "按数据使用协议"
    files = list(g.objects(dataset, SC.distribution))
    assert files and all(g.value(f, SC.contentUrl) is None for f in files)


# --- responses -----------------------------------------------------------------------------


def test_catalogue_response(entries):
    request = RequestFactory().get("/catalogue/dcat.jsonld")
    response = exports.catalogue_response(request)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    g = Graph().parse(data=response.content.decode(), format="json-ld")
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert URIRef(f"http://testserver/catalogue/{entries['open'].pk}/#entry") in datasets
    assert len(datasets) == 3


def test_croissant_response(entries):
    request = RequestFactory().get("/")
    response = exports.croissant_response(request, entries["open"])
    assert response["Content-Type"].startswith("application/ld+json")
    assert json.loads(response.content)["name"] == entries["open"].title
    for key in ("draft", "model"):
        with pytest.raises(Http404):
            exports.croissant_response(request, entries[key])
    entries["open"].status = Status.WITHDRAWN
    with pytest.raises(Http404):
        exports.croissant_response(request, entries["open"])


def test_export_queries_do_not_grow_with_entries(entries, owner, django_assert_max_num_queries):
    for n in range(5):
        make_entry(owner, title=f"批量数据集{n}", url=f"https://data.example.com/{n}.csv")
    with django_assert_max_num_queries(8):
        export()
