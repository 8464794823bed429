"""Nuxeo: the content repository (documents, folders, blobs, automation operations)."""
