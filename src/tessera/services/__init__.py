"""Use cases: async, storage through ``tessera.storage.ports`` only, no HTTP."""
