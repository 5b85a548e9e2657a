"""Pages of the core, one module per sub-domain; support holds what every app's pages share."""
