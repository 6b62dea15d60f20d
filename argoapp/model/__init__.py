"""Typed views of Argo's wire objects, Argo's enums and node ids."""
