"""Forms of the ticket pages, one module per noun."""
