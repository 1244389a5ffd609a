"""Agent Desk: a bot answers customers first, people take over where it cannot."""
