"""Training runs: the trainer, its events, validation, distributed launch, cross-validation, finalizing."""
