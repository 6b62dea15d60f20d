"""PyInstaller entry point: the one binary that is server, controller, CLI and executor."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["__localkube-shim__"]:
        # The kubelet's per-container supervisor: start it before importing anything heavy.
        from argoapp.localkube.kubelet import shim

        sys.exit(shim.main(sys.argv[2:]))
    from argoapp.cli.main import main

    main()
