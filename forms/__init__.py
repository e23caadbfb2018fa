"""Declarative case forms (YAML) and the schema that validates them; rendered by `desktop`."""
