"""Index Education EDT/Pronote "export ENT" clear XML (formats §4): format → validated records."""
