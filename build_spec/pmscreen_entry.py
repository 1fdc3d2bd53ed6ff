"""Entry script of the frozen program (build_spec/pmscreen.spec): the ``pmscreen`` command.

Without arguments it starts the desktop application; ``pmscreen selftest`` checks the installation headless.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not start the application again
    from gui.launch import main

    sys.exit(main())
