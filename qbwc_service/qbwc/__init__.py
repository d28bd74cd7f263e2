"""The Web Connector protocol: the SOAP binding, one run per ticket, users and logins,
HCP version negotiation, and `.qwc` files.

Only ``soap.py`` imports spyne; ``runs.py`` answers each callback and knows nothing of
SOAP. One Web Connector run (one ticket) is a *run* everywhere: ``Runs`` serves the
callbacks, ``WcRun`` stores one, ``RunState`` is where it stands.
"""
