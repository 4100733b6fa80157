"""Local models: catalog, downloads and the llama-server supervisor."""
