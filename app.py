"""PyInstaller entry point: the one binary that is server, controller, CLI and executor."""

from argoapp.cli.main import main

if __name__ == "__main__":
    main()
