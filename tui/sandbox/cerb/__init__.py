"""The Cerb sandbox: routes and signature check (server.py), SQLite store, record shapes, query compiler, seed, demo
activity."""
