"""Shared by the page tests: the moment they run at (`portfolio_data.NOW`)."""

import pytest
import time_machine

from .portfolio_data import NOW


@pytest.fixture
def at_now():
    """Run the test at NOW, the moment the page tests' data is made for."""
    with time_machine.travel(NOW, tick=False):
        yield
