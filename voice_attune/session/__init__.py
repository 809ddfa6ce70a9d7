"""Running a session: the runner and its life cycle, the simulated room and scenarios, the
transcript, and the scripted driver used by tests."""
