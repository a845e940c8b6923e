"""reporter: writes periodic, attributed country reports on foreign relations."""

__version__ = "0.1.0"
