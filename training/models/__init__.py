"""Model builders. Each returns an uncompiled keras.Model; none loads data or trains."""
