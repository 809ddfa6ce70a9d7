"""Session scripts: the format (step kinds, settings), reading YAML, and the checks."""
