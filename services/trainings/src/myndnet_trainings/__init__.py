"""Trainings: the network's joint courses, seats per agency, waitlists and attendance."""
