"""Thin PySide6 layer over :mod:`callscope.core`."""

from callscope.gui.refcount_guard import protect_singletons

protect_singletons()
