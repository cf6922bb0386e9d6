"""Evaluation metrics of the application chapters, one module per task (forecast, text, …)."""
