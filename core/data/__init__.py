"""Datasets (PALM folders, labels) and the image loader/cache that feeds training and evaluation."""
