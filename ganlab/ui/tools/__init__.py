"""The one-file tabs that run a shipped model: Text → image, Sketch, Upscale and Classify."""
