"""Sync: the notifier (who waits for what) and the response builder."""
