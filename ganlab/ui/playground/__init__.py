"""The Playground tab: sliders, class morphs, named directions, projection ("Can G draw this?") and
the InfoGAN codes panel."""
