"""Image files: reading and decoding (JPEG, PNG, TIFF, BMP, DICOM), preprocessing, quality, safe text."""
