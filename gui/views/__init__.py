"""Widgets: each builds one panel and shows numbers it receives from the core."""
