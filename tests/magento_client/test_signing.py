"""OAuth 1.0a HMAC-SHA256 signing against the fake's server-side verification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1

from magento_client.client import MagentoClient
from magento_client.exceptions import MagentoAuthError
from magento_client.fake import FakeMagento
from magento_client.search import SearchCriteria


def _auth(fake: FakeMagento, method: str = SIGNATURE_HMAC_SHA256) -> OAuth1:
    c = fake.store.credentials
    return OAuth1(c.consumer_key, c.consumer_secret, c.access_token, c.access_token_secret,
                  signature_method=method)


def test_signed_query_with_spaces_is_accepted(shared_client: MagentoClient) -> None:
    """A filter value with a space (a timestamp) passes Magento's signature check."""
    since = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
    orders = list(shared_client.orders(SearchCriteria().where("created_at", since, "gteq")))
    assert orders and all(o.created_at is not None and o.created_at >= since for o in orders)


def test_sku_with_slash_ampersand_colon_in_filter_is_accepted(shared_client: MagentoClient) -> None:
    """A SKU with / & : travels in a search filter and the signature still matches."""
    sku = "HW/BOLT-M8x40&WASHER:ZINC-PLATED-BOX-OF-100"
    product = shared_client.product(sku)
    assert product is not None and product.sku == sku
    assert [item.sku for item in shared_client.source_items_for_skus([sku])] != []


def test_sku_with_slash_in_path_is_signed_consistently(shared_client: MagentoClient) -> None:
    """Where a path SKU cannot be avoided, it is encoded once and signed as sent."""
    item = shared_client.legacy_stock_item("PAPER/A4&A3:RECYCLED-80GSM-MIXED-CASE")
    assert item.stock_id == 1


def test_plus_for_space_is_refused_like_magento_2_4_6(shared_fake: FakeMagento) -> None:
    """Encoding a space as '+' signs a different string than Magento checks: 401."""
    url = (f"{shared_fake.base_url}/rest/default/V1/orders?searchCriteria%5BpageSize%5D=1&"
           "searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bfield%5D=created_at&"
           "searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bvalue%5D=2026-01-05+09%3A00%3A00")
    response = requests.get(url, auth=_auth(shared_fake), timeout=5)
    assert response.status_code == 401
    assert response.json()["message"] == "The signature is invalid. Verify and try again."
    good = requests.get(url.replace("+", "%20"), auth=_auth(shared_fake), timeout=5)
    assert good.status_code == 200


def test_hmac_sha1_is_refused_with_magento_body(shared_fake: FakeMagento) -> None:
    """HMAC-SHA1 gets 401 "Signature method %1 is not supported" with the method named."""
    response = requests.get(f"{shared_fake.base_url}/rest/default/V1/store/storeConfigs",
                            auth=_auth(shared_fake, SIGNATURE_HMAC_SHA1), timeout=5)
    assert response.status_code == 401
    assert response.json() == {"message": "Signature method %1 is not supported",
                               "parameters": ["HMAC-SHA1"]}


def test_unsigned_call_is_refused(shared_fake: FakeMagento) -> None:
    """No Authorization header: 401 with the consumer-not-authorized template."""
    response = requests.get(f"{shared_fake.base_url}/rest/default/V1/orders/1", timeout=5)
    assert response.status_code == 401
    assert response.json()["message"] == "The consumer isn't authorized to access %resources."


def test_wrong_secret_is_refused(shared_fake: FakeMagento) -> None:
    """A signature made with a wrong token secret does not verify."""
    config = shared_fake.config(access_token_secret="0" * 32, max_retries=0)
    with MagentoClient(config) as client, pytest.raises(MagentoAuthError) as caught:
        client.order(1)
    assert caught.value.status == 401 and "signature is invalid" in caught.value.message


def test_replayed_nonce_is_refused(shared_fake: FakeMagento) -> None:
    """The same signed request sent twice is refused the second time."""
    prepared = requests.Request("GET", f"{shared_fake.base_url}/rest/default/V1/orders/1",
                                auth=_auth(shared_fake)).prepare()
    with requests.Session() as session:
        assert session.send(prepared, timeout=5).status_code == 200
        replay = session.send(prepared, timeout=5)
    assert replay.status_code == 401 and "nonce" in replay.json()["message"]


def test_bearer_token_refused_unless_enabled(fake: FakeMagento) -> None:
    """The integration token alone is refused by default and accepted once enabled."""
    config = fake.config(auth_mode="bearer", max_retries=0)
    with MagentoClient(config) as client:
        with pytest.raises(MagentoAuthError) as caught:
            client.order(1)
        assert caught.value.message == "The consumer isn't authorized to access Magento_Sales::actions_view."
        fake.store.bearer_enabled = True
        assert client.order(1).entity_id == 1


def test_clock_skew_is_refused(fake: FakeMagento) -> None:
    """An OAuth timestamp more than ten minutes off Magento's clock is refused."""
    fake.clock_offset_seconds = 3600
    with MagentoClient(fake.config(max_retries=0)) as client, pytest.raises(MagentoAuthError) as caught:
        client.order(1)
    assert "timestamp" in caught.value.message
