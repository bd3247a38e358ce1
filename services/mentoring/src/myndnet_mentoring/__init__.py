"""Mentoring: the manager introduction programme; each new manager gets an outside mentor."""
