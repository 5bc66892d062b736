"""Filing a matter: the catalog, the form, the papers, the submission."""
