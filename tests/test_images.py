import numpy as np
from PIL import Image

from keras_gan import images


def test_to_uint8_maps_the_model_range():
    out = images.to_uint8(np.array([-1.0, 0.0, 1.0, 3.0, -2.0]).reshape(1, 5, 1, 1)[..., 0])
    np.testing.assert_array_equal(out.ravel(), [0, 128, 255, 255, 0])
    assert out.dtype == np.uint8
    assert images.to_uint8(np.zeros((2, 28, 28, 1))).shape == (2, 28, 28)


def test_grid_places_each_image():
    tiles = np.stack([np.full((3, 3), i * 10 + 5, np.uint8) for i in range(4)])
    grid = images.make_grid(tiles, rows=2, pad=1, scale=1)
    assert grid.shape == (2 * 4 + 1, 2 * 4 + 1)
    assert grid[1, 1] == 5 and grid[1, 5] == 15 and grid[5, 1] == 25 and grid[5, 5] == 35
    assert grid[0, 0] == 0  # padding
    assert images.make_grid(tiles, rows=2, pad=1, scale=3).shape == (27, 27)


def test_png_and_gif_decode(tmp_path):
    frames = []
    for i in range(3):
        grid = images.make_grid(np.full((4, 28, 28), 60 * i, np.uint8), rows=2)
        path = tmp_path / f"epoch_{i + 1:03d}.png"
        images.save_png(grid, path)
        frames.append(path)
    with Image.open(frames[1]) as png:
        # 2 cells of 28 px + 3 gaps of 2 px = 62 px, doubled by the default scale.
        assert png.size == (124, 124)
        assert np.asarray(png)[10, 10] == 60
    gif = images.save_gif(frames, tmp_path / "progress.gif")
    with Image.open(gif) as anim:
        assert anim.n_frames == 3 and anim.size == (124, 124)
        anim.seek(2)
        assert np.asarray(anim.convert("L"))[10, 10] == 120
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left behind
