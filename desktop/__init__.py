"""The PySide6 desktop application and the `komok` command line."""
