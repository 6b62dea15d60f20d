"""argoapp's command line: click commands that parse, build settings and call one function."""
