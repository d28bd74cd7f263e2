"""Magento 2 ⇄ QuickBooks Desktop integration served to the QuickBooks Web Connector."""

__version__ = "0.1.0"
__all__ = ["__version__"]
