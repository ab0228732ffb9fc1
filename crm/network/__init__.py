"""Bodies of the process structure, their seats and interest groups, and the LEADER composition rules."""
