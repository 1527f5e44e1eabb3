"""Pixel conversions at the edges, image grids, PNG and GIF files."""

from pathlib import Path

import numpy as np
from PIL import Image

from keras_gan.files import atomic_path


def to_uint8(images):
    """Model range [-1, 1] -> uint8 [0, 255], with the channel axis dropped.

    Args:
        images: float array [N, 28, 28, 1] or [N, 28, 28].

    Returns:
        uint8 [N, 28, 28], white digit on black like MNIST.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images[..., 0]
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def from_uint8(images):
    """uint8 [0, 255] images [N, 28, 28] -> float32 [N, 28, 28, 1] in the model range [-1, 1]."""
    return np.asarray(images, np.float32)[..., None] / 127.5 - 1.0


def make_grid(images, rows, cols=None, pad=2, scale=2):
    """Tiles uint8 images [N, H, W] into one uint8 [rows*H', cols*W'] picture.

    Args:
        images: uint8 [N, H, W]; the first rows*cols are used, and missing
            cells stay black.
        rows: Grid rows.
        cols: Grid columns (default `rows`).
        pad: Black pixels between and around cells, before scaling.
        scale: Integer upscaling (nearest neighbour) so 28-pixel digits are
            readable on a screen.
    """
    cols = cols or rows
    n, h, w = images.shape
    grid = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.uint8)
    for i in range(min(n, rows * cols)):
        r, c = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top : top + h, left : left + w] = images[i]
    return np.kron(grid, np.ones((scale, scale), np.uint8))


def save_png(array, path):
    """Writes a uint8 [H, W] array as a greyscale PNG, atomically."""
    with atomic_path(path) as tmp:
        Image.fromarray(array, mode="L").save(tmp, format="PNG")


def save_gif(frame_paths, path, ms_per_frame=400):
    """Writes an animated, looping GIF of the PNG files in `frame_paths`.

    The last frame is held three times as long, so the final result is easy
    to see before the loop restarts.
    """
    frames = [Image.open(p).convert("L") for p in frame_paths]
    if not frames:
        return None
    durations = [ms_per_frame] * (len(frames) - 1) + [ms_per_frame * 3]
    with atomic_path(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return Path(path)
