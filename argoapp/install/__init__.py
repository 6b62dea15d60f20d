"""`argoapp install`'s objects: Argo's CRDs, RBAC, the controller ConfigMap, the data PVC, the
Deployment running `argoapp server` and its Service (`manifests`), and how they are printed or
applied (`apply`). Loaded only by `argoapp install` and the script writing packaging/install.yaml.
"""
