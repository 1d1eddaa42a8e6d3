"""Pure parts of /sync: filters (and, with the rooms work, stream positions and tokens)."""
