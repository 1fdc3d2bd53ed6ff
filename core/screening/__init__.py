"""Screening images with a trained model: inference engine, Grad-CAM, reports, audit log, self-test."""

# The heatmap's opacity over the photograph in overlays (Grad-CAM); here, free of numpy and OpenCV, so that the command
# line's parser can name it without importing them.
DEFAULT_OPACITY = 0.45
