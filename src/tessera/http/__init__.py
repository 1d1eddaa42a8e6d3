"""HTTP: Starlette routes, request parsing and the one Matrix error renderer."""
