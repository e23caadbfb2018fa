"""Integration tests: whole-app behaviour across processes (crash safety) and stores."""
