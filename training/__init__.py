"""Offline training: phantoms or a user dataset -> SavedModels and cards in model_store/."""
