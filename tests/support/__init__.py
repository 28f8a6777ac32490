"""Test doubles shared by the tests and the bench scripts (which put the repository root on
sys.path)."""
