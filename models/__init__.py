"""Data and domain rules: SQLModel tables, the encrypted store, services, vocabularies.

Nothing here imports Qt; the CLI, tests and server jobs use this package headless.
"""
