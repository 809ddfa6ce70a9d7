"""The dialog: YAML session scripts, their validation, and the engine that runs them."""
