"""Sync's pure parts: stream positions and tokens, filters."""
