"""Exports of a trained generator: SavedModel (TF Serving) and TF.js (the browser demo)."""

from keras_gan.export.run import FORMATS, export

__all__ = ["FORMATS", "export"]
