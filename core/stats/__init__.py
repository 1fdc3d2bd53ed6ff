"""Statistics on predictions: binary metrics, ROC AUC, calibration and bootstrap intervals."""
