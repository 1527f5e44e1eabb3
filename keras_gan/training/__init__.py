"""A training run: its config, data, distribution, checkpoints, callbacks and the run itself."""
