"""Postal addresses as they appear on orders (billing, shipping) and on customer records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from magento_client.documents._values import as_bool, as_optional_int, as_optional_str, as_raw

__all__ = ["Address"]


@dataclass(frozen=True)
class Address:
    """One address; ``street`` keeps Magento's 1-4 lines, ``telephone`` may be None."""

    firstname: str | None
    lastname: str | None
    company: str | None
    street: list[str]
    city: str | None
    region: str | None
    region_code: str | None
    postcode: str | None
    country_id: str | None
    telephone: str | None
    email: str | None
    address_id: int | None = None
    address_type: str | None = None
    region_id: int | None = None
    vat_id: str | None = None
    default_billing: bool = False
    default_shipping: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Address:
        region: Any = document.get("region")
        region_code = document.get("region_code")
        region_id = document.get("region_id")
        # Customer addresses nest the region as an object; order addresses flatten it.
        if isinstance(region, Mapping):
            region_code = region.get("region_code", region_code)
            region_id = region.get("region_id", region_id)
            region = region.get("region")
        street = document.get("street") or []
        if isinstance(street, str):
            street = street.split("\n")
        return cls(
            firstname=as_optional_str(document.get("firstname")),
            lastname=as_optional_str(document.get("lastname")),
            company=as_optional_str(document.get("company")),
            street=[str(line) for line in street],
            city=as_optional_str(document.get("city")),
            region=as_optional_str(region),
            region_code=as_optional_str(region_code),
            postcode=as_optional_str(document.get("postcode")),
            country_id=as_optional_str(document.get("country_id")),
            telephone=as_optional_str(document.get("telephone")),
            email=as_optional_str(document.get("email")),
            address_id=as_optional_int(document.get("entity_id", document.get("id"))),
            address_type=as_optional_str(document.get("address_type")),
            region_id=as_optional_int(region_id),
            vat_id=as_optional_str(document.get("vat_id")),
            default_billing=as_bool(document.get("default_billing")),
            default_shipping=as_bool(document.get("default_shipping")),
            raw=as_raw(document),
        )

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.firstname, self.lastname) if part)
