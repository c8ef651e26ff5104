"""Lab master hosts: a filesystem root per host (NCP manifest, importer dir, state dir, TKGI stand-ins)."""
