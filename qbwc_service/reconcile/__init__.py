"""Reconciliation that asks QuickBooks: runs, read-back queries, comparison, anomaly flags.

A run (``runs.start_run``) keeps the period's Magento documents as they were and queues
read-only queries (``readback``) through the ordinary queue; the Web Connector carries
them to QuickBooks and ``handlers.reconciliation`` stores the answers as the run's lines
(its status moves through ``lifecycle``); ``runs.finish_answered`` compares the two sides
(``compare``: one reason code per finding) and flags anomalies (``anomalies``). Reports
read the stored lines only.

The submodules are imported by name: this package's ``__init__`` stays empty so that the
answer handler can use ``lifecycle`` without importing the queue.
"""
