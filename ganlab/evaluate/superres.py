"""Held-out quality of 4× super-resolution: PSNR, SSIM, sharpness, and the comparison figure.

All numbers on uint8 RGB images of the never-trained-on split, whole images (no border crop):

* PSNR (dB): 10·log10(255² / MSE) over all pixels and channels, per image, then averaged.
* SSIM: Wang et al. 2004 on the luminance (ITU-R 601 Y), Gaussian window σ = 1.5, K1 = 0.01,
  K2 = 0.03, per image, then averaged (written with scipy; no extra dependency).
* Sharpness: mean gradient magnitude (central differences on the luminance) of the outputs divided
  by the truths' (1.0 = as crisp as the truth; blurry upscalers are below 1).
"""

from __future__ import annotations

import numpy as np

from ganlab.images import grid, to_uint8

LUMA = np.array([0.299, 0.587, 0.114], np.float64)


def psnr(outputs: np.ndarray, truths: np.ndarray) -> float:
    """Mean per-image PSNR in dB of uint8 images (capped at 100 dB for identical images)."""
    err = (outputs.astype(np.float64) - truths.astype(np.float64)) ** 2
    mse = err.reshape(len(err), -1).mean(1)
    return float(np.mean(10 * np.log10(255.0**2 / np.maximum(mse, 255.0**2 * 1e-10))))


def _luma(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float64) @ LUMA if images.shape[-1] == 3 else images[..., 0].astype(np.float64)


def ssim(outputs: np.ndarray, truths: np.ndarray, sigma: float = 1.5) -> float:
    """Mean per-image SSIM of uint8 RGB images on their luminance (Gaussian window)."""
    from scipy.ndimage import gaussian_filter

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for a, b in zip(_luma(outputs), _luma(truths)):
        def blur(v: np.ndarray) -> np.ndarray:
            return gaussian_filter(v, sigma, truncate=3.5)  # 11×11 window at σ = 1.5
        mu_a, mu_b = blur(a), blur(b)
        var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
        cov = blur(a * b) - mu_a * mu_b
        m = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
        values.append(m.mean())
    return float(np.mean(values))


def gradient_magnitude(images: np.ndarray) -> float:
    """Mean gradient magnitude (0-255 scale per pixel) of the luminance of uint8 images."""
    y = _luma(images)
    gy, gx = np.gradient(y, axis=(1, 2))
    return float(np.sqrt(gx**2 + gy**2).mean())


def sharpness(outputs: np.ndarray, truths: np.ndarray) -> float:
    """Outputs' mean gradient magnitude relative to the truths' (1.0 = as sharp as the truth)."""
    return gradient_magnitude(outputs) / max(gradient_magnitude(truths), 1e-9)


def measure(outputs: np.ndarray, truths: np.ndarray) -> dict[str, float]:
    """PSNR, SSIM and sharpness of uint8 outputs against uint8 truths."""
    return {"psnr_db": round(psnr(outputs, truths), 2), "ssim": round(ssim(outputs, truths), 4),
            "sharpness": round(sharpness(outputs, truths), 3)}


def upscale_all(run, low_res: np.ndarray, chunk: int = 32) -> np.ndarray:
    """uint8 outputs of a generator call ``run({"cond": x})`` for uint8 low-res images, in chunks."""
    x = low_res.astype(np.float32) / 127.5 - 1.0
    return np.concatenate([to_uint8(np.asarray(run({"cond": x[i : i + chunk]})))
                           for i in range(0, len(x), chunk)])


def comparison_figure(columns: list[np.ndarray], scale: int = 1, pad: int = 4) -> np.ndarray:
    """Rows of same-sized uint8 images side by side (e.g. low-res | bicubic | SRResNet | SRGAN | truth)."""
    tiles = np.stack(columns, 1).reshape(-1, *columns[0].shape[1:])
    out = grid(tiles, cols=len(columns), pad=pad, pad_value=255)
    return np.repeat(np.repeat(out, scale, 0), scale, 1) if scale > 1 else out


def table(rows: dict[str, dict[str, float]]) -> str:
    """A Markdown table: method | PSNR | SSIM | sharpness."""
    lines = ["| method | PSNR (dB) ↑ | SSIM ↑ | sharpness (1.0 = truth) |", "|---|---|---|---|"]
    lines += [f"| {name} | {r['psnr_db']:.2f} | {r['ssim']:.3f} | {r['sharpness']:.2f} |" for name, r in rows.items()]
    return "\n".join(lines)


def held_out_pairs(card: dict, data_dir=None, limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """uint8 (low-res, high-res, names) of the held-out split of the dataset a checkpoint trained on."""
    from ganlab.data import load_dataset
    from ganlab.models import get_model_class

    config = card.get("config") or {}
    dataset = load_dataset(card["dataset"], data_dir or config.get("data_dir"), int(config.get("image_size", 128)))
    dataset = get_model_class(card["model"]).prepare_data(dataset, dict(card.get("options") or {}))
    if "test_cond" not in dataset.meta or not len(dataset.meta["test_cond"]):
        raise ValueError(f"Dataset {card['dataset']!r} has no held-out split to measure on.")
    cond, truth = dataset.meta["test_cond"], dataset.meta["test_x"]
    names = list(dataset.meta.get("test_names", []))
    if limit:
        cond, truth, names = cond[:limit], truth[:limit], names[:limit]
    return to_uint8(cond), to_uint8(truth), names
