"""Model folders on disk: saving, loading, sealing; the model library and the bundled model."""
