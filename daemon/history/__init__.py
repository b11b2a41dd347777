"""An account's history from every source, an account at two times: what
``entsync history`` / ``diff`` and the API's history and diff routes answer
(daemon/cli/history_commands.py, daemon/http/history_routes.py). Outside
the rooms: the CLI and HTTP both call it; it reads the log and the read
models only."""
