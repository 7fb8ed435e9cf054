"""Experiment trackers (`sracl.loggers` plugins: TensorBoard, MLflow, ...): what `[logging] to` names."""
