"""The seed documents' exact endpoints, one module per document: thin adapters over the same
services as the native API, answering the shapes their documents promise."""
