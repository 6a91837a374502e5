"""python -m training: phantoms -> both models -> held-out metrics -> SavedModels and cards."""

from training.cli import main

main()
