"""Consent, authorization, audit log, retention and masking."""
