"""The platform pieces every app shares: the error model, file reading and writing, jobs,
notifications, the menu and the error pages. `core` imports from no other project app."""
