"""The frozen binary's entry point (`make binary`, packaging/argoapp.spec).

The kubelet starts its pod supervisor as `argoapp __localkube-shim__ …` (shim.py's SHIM_ARG):
that path runs the stdlib-only shim, bundled as the top-level module `_argoapp_shim`, before
anything of argoapp or click is imported. Run as `argoexec`, it is `argoapp exec`; everything
else is the `argoapp` command.

Under staticx, `sys.executable` is the unpacked inner program in a temp dir that goes away when
this process ends; the program re-runs itself (executor in pods, shim daemon), so it is pointed
back at the file the user ran, which staticx names in STATICX_PROG_PATH.
"""

import os
import sys

SHIM_ARG = "__localkube-shim__"  # argoapp.localkube.kubelet.shim.SHIM_ARG; a test keeps them equal
EXECUTOR_NAME = "argoexec"  # the name Argo's pods run the executor by

_outer = os.environ.pop("STATICX_PROG_PATH", "")
if _outer:
    sys.executable = _outer

# Pods run the executor as `argoexec init|wait|…` (the image's hard link) and as
# `/var/run/argo/argoexec emissary -- …` (the copy init places): under that name the program is
# `argoapp exec`. staticx keeps a hard link's name in STATICX_PROG_PATH, not in argv[0].
if os.path.basename(_outer or sys.argv[0]) == EXECUTOR_NAME and sys.argv[1:2] != ["exec"]:
    sys.argv.insert(1, "exec")

if len(sys.argv) > 1 and sys.argv[1] == SHIM_ARG:
    import _argoapp_shim

    sys.exit(_argoapp_shim.main(sys.argv[2:]))

from argoapp.cli.main import main  # noqa: E402  (only after the shim's early exit)

main()
