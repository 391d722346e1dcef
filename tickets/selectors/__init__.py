"""Reads of the tickets app that pages compose: the board (``board``)."""
