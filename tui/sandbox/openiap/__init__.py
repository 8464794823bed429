"""The OpenIAP sandbox: its routes (server.py), SQLite store and demo seed."""
