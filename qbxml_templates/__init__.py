"""qbXML request templates: one skeleton per request type, in schema order, plus the
derived order table ``schema.json``. Data files only; users override a template by
placing a file of the same name in their configured ``templates_dir``."""
