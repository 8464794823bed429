"""The MAX sandbox: its routes (server.py), SQLite store and demo seed."""
