"""The ``callscope`` command line: subcommands over the core, no Qt."""
