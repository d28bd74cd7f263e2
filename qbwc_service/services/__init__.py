"""Use cases that both faces call: the command line (``commands/``) and the console (``web/``)
parse input, call one of these, and present the result, so the two never disagree.

Each function takes an open database session (the caller owns the transaction), does
one job, records administrative changes in the audit trail, and raises a ``ServiceError``
subclass whose message is a sentence for the person who asked.

- ``services.companies``: a company's polling interval, qbXML version and policies.
- ``services.accounts``: Web Connector users and console people.
- ``services.purge``: blank one customer's personal data everywhere.
- ``services.reconciliation``: start, finish and read reconciliation runs.
- ``services.reconciliation_jobs``: the scheduled daily, weekly and month-end runs.
"""
