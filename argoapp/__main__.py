"""`python -m argoapp`: the same entry as the `argoapp` script and the binary."""

from argoapp.cli.main import main

main()
