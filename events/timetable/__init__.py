"""The pure rules of timetable and STS-web imports (domain-rules §7, §11, §12):
snapshots and their weeks, what changes, what decides, matching against the
directory, and the bilan in the establishments' French."""
