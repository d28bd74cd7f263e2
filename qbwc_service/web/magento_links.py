"""Links from a request to the Magento admin page of its order, invoice, credit memo or customer.

The admin address is ``[companies.NAME.magento] admin_url`` when set (stores move the
admin off ``/admin``), else the company's Magento ``base_url`` followed by ``/admin``.
Routes as Magento's admin controllers answer them (magento/magento2
``app/code/Magento/Sales/Controller/Adminhtml/Order/View.php``,
``.../Order/Invoice/View.php``, ``.../Order/Creditmemo/View.php``,
``app/code/Magento/Customer/Controller/Adminhtml/Index/Edit.php``).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import flask
from flask import g

from qbwc_service.services.magento import admin_base_url

__all__ = ["magento_admin_link"]

log = logging.getLogger(__name__)

_ROUTES = {
    "order": "sales/order/view/order_id/{}/",
    "invoice": "sales/order_invoice/view/invoice_id/{}/",
    "creditmemo": "sales/order_creditmemo/view/creditmemo_id/{}/",
    "customer": "customer/index/edit/id/{}/",
}


def _admin_base(company_name: str) -> str | None:
    bases: dict[str, str | None] = g.setdefault("magento_admin_bases", {})
    if company_name in bases:
        return bases[company_name]
    base: str | None = None
    try:
        base = admin_base_url(flask.current_app.extensions["qbwc_context"].settings,
                              company_name)
    except Exception as exc:  # a broken config must not take the page down
        log.warning("no Magento admin address for a company: %s", type(exc).__name__)
    bases[company_name] = base
    return base


def magento_admin_link(company_name: str | None, entity_type: str | None,
                       magento_id: str | None) -> str | None:
    """The admin page of the document, or None when it has none or no store is configured."""
    route = _ROUTES.get(entity_type or "")
    if route is None or not company_name or not magento_id or not magento_id.isdigit():
        return None
    base = _admin_base(company_name)
    return f"{base}/{route.format(quote(magento_id))}" if base else None
