"""The ``pmscreen`` command: the desktop application without a command (or with ``gui ...``), otherwise the
command line of core.cli, with the application's Qt PDF painter registered for ``--report x.pdf``.

core never imports the GUI or Qt: this launcher, outside core, joins the two (``python -m core`` is the command line
alone, without PDF reports).
"""

from __future__ import annotations

import sys


def _app(argv: list[str]) -> int:
    from .app import main as app_main

    return app_main(argv)


def main(argv: list[str] | None = None) -> int:
    from core.cli import main as cli_main
    from core.screening.report import register_pdf_renderer

    def render_pdf(path, summary, entries) -> None:  # Qt is imported only when a PDF is drawn
        from .pdf_report import render_pdf as qt_render_pdf

        qt_render_pdf(path, summary, entries)

    register_pdf_renderer(render_pdf)
    return cli_main(sys.argv[1:] if argv is None else argv, app=_app)


if __name__ == "__main__":
    sys.exit(main())
