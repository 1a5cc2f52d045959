"""A search server with a certificate from a private CA (`search_ca_certs`): the clients are
given the CA, certificates stay verified, and a missing or unreadable bundle is a clear
error naming the file. The server is the session's real OpenSearch node behind a TLS proxy
(tests/support/tls_proxy.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.search import IndexDoc, SearchFilters, SearchIndexError, SearchUnavailableError
from archive.search.elastic import SearchServerIndex
from archive.store import Archive
from eakte.config import load_settings
from pipelines.settings import open_index
from tests.support.commands import invoke_eakte
from tests.support.opensearch import OpenSearchNode
from tests.support.tls_proxy import TlsProxy, tls_proxy

_DOC = IndexDoc(document_id="tls", title="Bauantrag Scheune", doc_type="bauantrag",
                doc_label="Bauantrag", unit="6.3.1", status="archived", text="Ein Bauantrag.")  # fmt: skip


@pytest.fixture(scope="module")
def proxy(
    opensearch_node: OpenSearchNode, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsProxy]:
    with tls_proxy(tmp_path_factory.mktemp("tls"), opensearch_node.port) as running:
        yield running


@pytest.mark.parametrize("prefix", ["", "opensearch+"])
def test_the_private_ca_lets_the_archive_index_and_search_over_tls(
    proxy: TlsProxy, index_name: str, prefix: str
) -> None:
    index = SearchServerIndex(f"{prefix}{proxy.url}", index_name, ca_certs=proxy.ca)
    try:
        index.add(_DOC)
        assert [h.document_id for h in index.search("Antrag", SearchFilters())] == ["tls"]
        assert index.family == "opensearch"
    finally:
        index.close()


@pytest.mark.parametrize("prefix", ["", "opensearch+"])
def test_without_the_ca_the_certificate_is_refused(
    proxy: TlsProxy, index_name: str, prefix: str
) -> None:
    index = SearchServerIndex(f"{prefix}{proxy.url}", index_name)
    try:
        with pytest.raises(SearchUnavailableError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
            index.add(_DOC)
    finally:
        index.close()


def test_the_elasticsearch_client_is_given_the_ca_too(proxy: TlsProxy, index_name: str) -> None:
    """The official client refuses an OpenSearch server, but only once TLS has let it hear
    the answer: with the CA it gets that far, without it the handshake fails."""
    from elastic_transport import TlsError
    from elasticsearch import UnsupportedProductError

    trusting = SearchServerIndex(f"elasticsearch+{proxy.url}", index_name, ca_certs=proxy.ca)
    doubting = SearchServerIndex(f"elasticsearch+{proxy.url}", index_name)
    try:
        with pytest.raises(UnsupportedProductError):
            trusting._server.client.info()
        with pytest.raises(TlsError):
            doubting._server.client.info()
    finally:
        trusting.close()
        doubting.close()


def test_a_missing_ca_bundle_is_an_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "stadt-ca.pem"
    with pytest.raises(SearchIndexError, match=f"{missing}.*no such file"):
        SearchServerIndex("https://search.example:9200", "eakte-documents", ca_certs=missing)


def test_a_file_that_is_no_pem_bundle_is_an_error_naming_it(tmp_path: Path) -> None:
    wrong = tmp_path / "stadt-ca.pem"
    wrong.write_text("not a certificate\n")
    with pytest.raises(SearchIndexError, match=f"{wrong}.*no PEM bundle"):
        SearchServerIndex("https://search.example:9200", "eakte-documents", ca_certs=wrong)


def test_the_setting_comes_from_the_environment(tmp_path: Path, proxy: TlsProxy) -> None:
    settings = load_settings(
        {"EAKTE_SEARCH_URL": proxy.url, "EAKTE_SEARCH_CA_CERTS": str(proxy.ca)},
        data_dir=tmp_path / "data",
    )
    index = open_index(settings)
    assert isinstance(index, SearchServerIndex)
    try:
        assert index.count() >= 0  # answered over TLS, the certificate checked against the CA
    finally:
        index.close()


def test_the_command_line_names_a_missing_ca_bundle(tmp_path: Path) -> None:
    missing = tmp_path / "stadt-ca.pem"
    Archive(tmp_path / "data").close()
    result = invoke_eakte(
        "search", "Bauantrag", "--data", str(tmp_path / "data"),
        env={"EAKTE_SEARCH_URL": "https://127.0.0.1:9", "EAKTE_SEARCH_CA_CERTS": str(missing)},
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert str(missing) in result.output and "no such file" in result.output
