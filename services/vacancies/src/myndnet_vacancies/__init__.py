"""Vacancies: one searchable register of every open vacancy in the network."""
