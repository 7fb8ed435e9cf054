"""Training objectives: plain next-item CE, SRA-CL (inter- and intra-user contrast), CL4SRec, DuoRec.

Every objective works with any backbone that satisfies `sracl_cli.models.protocol.Backbone`.
"""
