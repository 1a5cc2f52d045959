"""Trusted time: RFC 3161 timestamps of the audit chain's head and RFC 4998 evidence records
of the archived files, so that the archive's history and content can be proven to a third
party without trusting the archive's operator.

timestamps.py talks to a Time-Stamp Authority and verifies tokens, hashtree.py builds and
reduces hash trees, ers.py is the evidence-record format, records.py keeps the archive's
records, audit_stamps.py keeps and checks the audit head's timestamps.
"""
