"""Entry point for `python -m dorasync`."""

from dorasync.cli import main

if __name__ == "__main__":
    main()
