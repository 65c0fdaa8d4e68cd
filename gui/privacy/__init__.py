"""Consent, audit and retention dialogs: they display and collect; core decides."""
