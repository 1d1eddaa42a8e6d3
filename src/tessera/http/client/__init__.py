"""Client-Server API endpoints, one module per spec section."""
