import sys

from gui.app import main

if __name__ == "__main__":  # not in a child process of multiprocessing (core.screening.engine_process)
    sys.exit(main(sys.argv[1:]))
