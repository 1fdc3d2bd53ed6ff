"""Screening images with a trained model: inference engine, Grad-CAM, reports, audit log, self-test."""
