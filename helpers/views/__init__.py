"""How the kit shows things: the StatusTable every table is and the widgets' plumbing. Imports only ``helpers.core``."""
