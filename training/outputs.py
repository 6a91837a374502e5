"""The names of the classifier's outputs, kept free of Keras so data workers need not load TensorFlow."""

ANY = "any"
SUBTYPES = ("epidural", "subdural", "subarachnoid", "intraparenchymal", "intraventricular")
OUTPUT_NAMES = (ANY, *SUBTYPES)
