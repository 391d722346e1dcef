"""Models of this app arrive with the features that need them."""
