"""The only door to content (audio, full spectrograms, audio export), under a grant.

``access`` decodes, draws and exports; ``playback`` plays. Both check the grant and
write the audit entry before the content is reached. ``callscope.core.media`` may be
imported from nowhere else (import contract in pyproject.toml).
"""
