"""Moodwave."""
