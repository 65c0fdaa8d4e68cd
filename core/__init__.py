"""CallScope's analysis core: pure Python + numpy (+ dpkt), never Qt.

Serves the CLI, the GUI and the tests alike. See README "Architecture".
"""

__version__ = "0.1.0"
