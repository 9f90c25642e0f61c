"""Dataset cards in: files and directories, YAML front matter, Markdown sections, the Hub,
Croissant metadata, and the ingest that turns parsed cards into register versions."""
