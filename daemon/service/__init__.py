"""The service runtime: its lifecycle (run), the inbox, the scheduler and the store's health."""
