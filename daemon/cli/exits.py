"""The exit codes of ``entsync`` (README): 0 done, 1 an error, 2 rejected
or held, 3 done in part."""

EXIT_OK, EXIT_ERROR, EXIT_REJECTED, EXIT_PARTIAL = 0, 1, 2, 3
