"""Load and soak tests against a real uvicorn on loopback."""
