"""ganlab: watch a GAN learn, then play with what it learned (Keras 3)."""

__version__ = "0.1.0"
