"""Argo Server's REST API, served in the same loop as the controller."""
