"""qbXML: rendering, validation, parsing and value formatting. Knows nothing of Magento."""
