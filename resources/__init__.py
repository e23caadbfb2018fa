"""Data files shipped with Komok: vocabularies, deadline rules, institutions, fonts, icons."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
