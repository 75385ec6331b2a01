"""Admin for branches, people, mandates, employers, workplaces, networks, memberships and users."""
