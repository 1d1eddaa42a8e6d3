"""Pure domain code: no I/O, no event loop, no imports from the rest of tessera."""
