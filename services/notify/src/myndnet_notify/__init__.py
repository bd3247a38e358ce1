"""Notify: vacancy alerts for candidates, and match e-mail for mentors and new managers."""
