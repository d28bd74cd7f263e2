"""Error decoding: Magento's message templates, parameters, statuses, URLs."""

from __future__ import annotations

import json

import pytest

from magento_client.client import MagentoClient
from magento_client.exceptions import (
    MagentoAPIError,
    MagentoAuthError,
    MagentoBadRequest,
    MagentoNotFound,
    MagentoRateLimited,
    MagentoServerError,
    error_for_status,
    render_message,
)
from tests.conftest import reference_path


def test_positional_and_named_placeholders() -> None:
    """%1 takes list parameters (1-based); %name takes object parameters."""
    assert render_message("Invalid product data: %1", ["bad set"]) == "Invalid product data: bad set"
    assert render_message("%fieldName is a required field.", {"fieldName": "searchCriteria"}) == \
        "searchCriteria is a required field."
    assert render_message("%1 and %2", ["a"]) == "a and %2"
    assert render_message("Use %active_providers", {"active_providers": ["google", "authy"]}) == \
        "Use google, authy"


@pytest.mark.parametrize(("status", "kind"), [
    (400, MagentoBadRequest), (401, MagentoAuthError), (404, MagentoNotFound),
    (429, MagentoRateLimited), (500, MagentoServerError), (503, MagentoServerError),
    (405, MagentoAPIError),
])
def test_status_maps_to_error_class(status: int, kind: type) -> None:
    """Each HTTP status decodes into its error class, keeping status and URL."""
    error = error_for_status(status, {"message": "x"}, url="http://m/rest/V1/x")
    assert type(error) is kind and error.status == status and error.url == "http://m/rest/V1/x"


def test_errors_array_form_is_decoded() -> None:
    """A body with only ``errors[]`` uses the first error's template and parameters."""
    error = error_for_status(400, {"errors": [{"message": "Field %1 bad", "parameters": ["sku"]}]},
                             url="u")
    assert error.message == "Field sku bad"


def test_reference_error_examples_render() -> None:
    """Every documented error body renders with its placeholders filled."""
    path = reference_path("magento", "samples", "error_response_examples.json")
    examples = {k: v for k, v in json.loads(path.read_text()).items() if not k.startswith("_")}
    rendered = {name: error_for_status(401, body, url="u").message for name, body in examples.items()}
    assert rendered["hmac_sha1_rejected"] == "Signature method HMAC-SHA1 is not supported"
    assert rendered["missing_searchCriteria"] == "searchCriteria is a required field."
    assert rendered["integration_token_as_bearer_disabled"] == \
        "User is not authorized to Magento_Catalog::products"
    assert all("%" not in message for message in rendered.values())


def test_fake_missing_search_criteria_error(shared_client: MagentoClient) -> None:
    """The fake answers a bare list call with 400 and the named placeholder, decoded."""
    with pytest.raises(MagentoBadRequest) as caught:
        shared_client.transport.request("GET", "/V1/orders")
    assert caught.value.message == "searchCriteria is a required field."
    assert caught.value.template == "%fieldName is a required field."
    assert caught.value.parameters == {"fieldName": "searchCriteria"}


def test_fake_missing_entity_is_not_found(shared_client: MagentoClient) -> None:
    """An unknown entity id is a 404 MagentoNotFound with Magento's wording."""
    with pytest.raises(MagentoNotFound) as caught:
        shared_client.order(999999)
    assert "doesn't exist" in caught.value.message and "/V1/orders/999999" in str(caught.value.url)
