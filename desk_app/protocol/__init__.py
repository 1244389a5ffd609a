"""The wire protocol shared by the server, the desk and every client: see ``messages``."""
