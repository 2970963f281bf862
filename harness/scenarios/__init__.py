"""The contract as browser scenarios: run by ``webtrack run``, ``webtrack gate`` and pytest."""
