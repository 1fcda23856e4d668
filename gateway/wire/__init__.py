"""The wire contract: hardened parsing, schemas, envelope, signing and verification.

Pure functions of bytes, keys and time; no IO beyond reading the schema files once.
"""
