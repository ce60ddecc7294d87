"""Loading data files and model files, and inferring their schema."""
