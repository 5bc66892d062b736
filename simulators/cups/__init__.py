"""A private CUPS for the virtual hut and the tests: ``cupsd`` from a temporary
ServerRoot on its own socket, with a cups-pdf queue whose paper tray the tests
control (server.py)."""
