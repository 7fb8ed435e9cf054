"""Training: the epoch loop, early stopping, checkpoints, seeding."""
