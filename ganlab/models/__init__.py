"""The model registry: one place to add a GAN."""

from __future__ import annotations

from typing import Any

from ganlab.models.base import GAN, ModelSpec
from ganlab.models.cgan import ConditionalGAN
from ganlab.models.dcgan import DCGAN
from ganlab.models.infogan import InfoGAN
from ganlab.models.pix2pix import Pix2Pix
from ganlab.models.sgan import SemiSupervisedGAN
from ganlab.models.srgan import SRGAN
from ganlab.models.text2img import TextToImage
from ganlab.models.vanilla import VanillaGAN
from ganlab.models.wgan_gp import WGANGP

REGISTRY: dict[str, type[GAN]] = {m.name: m for m in (VanillaGAN, DCGAN, ConditionalGAN, WGANGP, InfoGAN, Pix2Pix,
                                                       SRGAN, SemiSupervisedGAN, TextToImage)}
ALIASES = {"mlp": "vanilla", "gan": "vanilla", "conditional": "cgan", "wgan-gp": "wgan_gp",
           "wgangp": "wgan_gp", "wgan": "wgan_gp", "semi_supervised": "sgan", "ssgan": "sgan",
           "text_to_image": "text2img", "attngan": "text2img"}


def register(cls: type[GAN]) -> type[GAN]:
    """Add a model class to the registry (usable as a decorator); its ``name`` must be new."""
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"A model named {cls.name!r} is already registered.")
    REGISTRY[cls.name] = cls
    return cls


def get_model_class(name: str) -> type[GAN]:
    """The model class for a name, with a clear error listing the choices."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in REGISTRY:
        raise ValueError(f"Unknown model {name!r}. Choose one of: {', '.join(REGISTRY)}.")
    return REGISTRY[key]


def model_of(card: dict[str, Any]) -> type[GAN] | None:
    """The model class a checkpoint card names (None when it names none or an unknown one)."""
    try:
        return get_model_class(str(card.get("model") or ""))
    except ValueError:
        return None


def generating_from(source: str) -> tuple[str, ...]:
    """Names of the registered models whose generator draws from ``source`` (see GAN.generates_from)."""
    return tuple(name for name, cls in REGISTRY.items() if cls.generates_from == source)


__all__ = ["GAN", "REGISTRY", "ModelSpec", "generating_from", "get_model_class", "model_of", "register"]
