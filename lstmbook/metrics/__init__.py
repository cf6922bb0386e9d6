"""Evaluation metrics of the application chapters, one module per task (forecast, text,
translation, speech).

The modules are imported by name, e.g. ``from lstmbook.metrics.speech import word_error_rate``.
"""
