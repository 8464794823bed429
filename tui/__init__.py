"""servicedeck: one terminal home for Nuxeo, Cerb, MAX and OpenIAP."""

__version__ = "0.1.0"
