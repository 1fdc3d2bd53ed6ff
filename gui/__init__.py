"""PM Screen desktop application: a thin PySide6 layer observing the Qt-free engine in ``core``."""
