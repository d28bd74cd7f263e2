"""Use cases both faces call: the command line and the console parse input, call one of
these, and present the result, so the two never disagree.

- ``services.reconciliation``: start, finish and read reconciliation runs.
- ``services.reconciliation_jobs``: the scheduled daily, weekly and month-end runs.
"""
