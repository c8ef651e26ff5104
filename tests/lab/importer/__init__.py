"""The lab's stand-in for NCP's ``mp_to_policy_importer.py`` (copied onto each lab master host)."""
