"""Argo's workflow model: phases, node types, node ids, pod names, labels.

The wire JSON stays plain dicts everywhere (it is what Kubernetes and Argo's clients send); this
package names its vocabulary and computes the deterministic identifiers Argo derives from it.
It imports no other argoapp package.
"""
