"""证明打印: print a certificate the district issued the resident, on the A4 printer."""
