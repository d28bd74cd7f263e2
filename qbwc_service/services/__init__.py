"""Use cases the command line and the console both call; commands/ and web/ stay thin."""
