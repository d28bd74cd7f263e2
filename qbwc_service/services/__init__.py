"""Use cases that both faces call: the command line (``commands/``) and the console (``web/``).

Each function takes an open database session (the caller owns the transaction) or, for
bulk work done one transaction per item, the database; does one job a person asked for;
records it in the audit trail; and raises a ``ServiceError`` subclass whose message is a
sentence for the person who asked.
"""
