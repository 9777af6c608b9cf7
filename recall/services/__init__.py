"""Writes of the recall domain. Views, admin actions, API views and tasks call these."""
