"""Thin PySide6 layer over :mod:`callscope.core`."""
