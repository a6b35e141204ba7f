"""Signals the portfolio sends to the apps above it (health listens).

`product_data_changed` is the one domain signal of the project (ARCHITECTURE.md):
lower apps send it, once their transaction has committed, when something that
feeds a product's health changed. Receivers get `product_ids` (a list of ints);
an id may belong to a product that has been deleted since.
"""

from django.dispatch import Signal

product_data_changed = Signal()
