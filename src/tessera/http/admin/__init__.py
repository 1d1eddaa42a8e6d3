"""Synapse-compatible admin API (``/_synapse/admin``), so existing tools work."""
