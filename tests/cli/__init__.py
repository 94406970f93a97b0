"""Tests of the command line itself (cplkit.cli): exit statuses, what each command prints and
writes, help, and the entry points; run in this process (CliRunner) except where a process of its
own is the point: killed, limited (ulimit), or `python -m cplkit` itself."""
