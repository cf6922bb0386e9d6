"""Baselines every learned model must beat, one module per task (forecast, text, …)."""
