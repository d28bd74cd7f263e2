"""Use cases that both faces call: the command line (``commands/``) and the console (``web/``).

Each module takes a database session (or the database) and plain values, does one thing a
person asked for, and records who asked in the audit trail; the faces only parse input
and present the result.
"""
