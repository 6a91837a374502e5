"""Loading models from the store and holding them ready for the pipeline."""
