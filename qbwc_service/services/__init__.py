"""Use cases that both faces call: the command line (``commands/``) and the console (``web/``)
parse input, call one of these, and present the result, so the two never disagree.

Each function takes an open database session (the caller owns the transaction) or, for
bulk work done one transaction per item, the database; does one job a person asked for;
records administrative changes in the audit trail; and raises a ``ServiceError`` subclass
whose message is a sentence for the person who asked.

- ``services.audit``: the hash-chained audit trail.
- ``services.companies``: a company's polling interval, qbXML version and policies, and
  its ``.qwc`` (for the ``qwc`` command and the console's download alike).
- ``services.users``: Web Connector users and console people.
- ``services.console_auth``, ``services.console_people``: console roles, sign-in and
  sign-out, the account behind a cookie, and the people page.
- ``services.dashboard``, ``services.audit_trail``, ``services.held``,
  ``services.bulk_review``, ``services.companies_view``, ``services.schedule``: what the
  console's pages read (the dashboard and its overdue banner, the audit trail, held
  requests, a bulk action's confirmation, company settings, the pull schedule).
- ``services.requests``, ``services.fixes``: request actions, bulk actions and fixes.
- ``services.log``, ``services.export``: the request-log query and its CSV/XLSX export.
- ``services.purge``: blank one customer's personal data everywhere.
- ``services.sync``: a pull from Magento on demand (the ``sync`` command).
- ``services.reconciliation``: start, finish and read reconciliation runs.
- ``services.reconciliation_jobs``: the scheduled daily, weekly and month-end runs.
"""
