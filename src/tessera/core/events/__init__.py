"""Matrix events as the spec defines them, as pure code.

Canonical JSON (``canonical``), signing keys and signed JSON (``signing``),
hashes and event IDs (``hashing``), redaction (``redaction``), the room
versions Tessera speaks (``room_versions``), the ``Event`` model and its client
format (``model``), building signed events (``builder``), the authorization
rules (``auth``, ``power_levels``) and history visibility (``visibility``).
Nothing here does I/O or imports tessera outside ``tessera.core``.
"""
