"""Language processing: the gazetteer of countries and groups, and the spaCy analysis of passages."""
