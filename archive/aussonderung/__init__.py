"""Aussonderung: what happens to files at the end of their retention, on top of the store.

`transfer` offers due files to the municipal archive, takes its appraisal and hands over or
confirms (xdomea 0501-0506); `disposal` destroys what the archive did not take, approved by two
people. The rules they apply (Akten, retention, holds) are in `archive.records`.
"""
