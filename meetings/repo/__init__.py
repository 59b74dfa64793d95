"""The store's SQL, by concern: plain functions of (conn, sealer, ...) that read and write rows.

They run inside a transaction the facade (meetings/store/) opens, and write no audit entry:
the facade decides what one change is, and audits it once.
"""
