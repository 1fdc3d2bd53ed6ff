import cv2
import numpy as np
import pytest

from core.images.imageio import ImageError
from core.images.preprocess import IMAGE_SIZE, resize, to_input
from core.images.reader import read_image
from tests.synthetic import fundus_image, write_rgb


def test_reads_jpeg_png_bmp_tiff_as_rgb(tmp_path):
    rgb = fundus_image(True, 1, size=64)
    for suffix in (".png", ".bmp", ".tif"):
        got = read_image(write_rgb(tmp_path / f"a{suffix}", rgb))
        np.testing.assert_array_equal(got, rgb)  # lossless formats round-trip exactly, in RGB order
    jpg = read_image(write_rgb(tmp_path / "a.jpg", rgb))
    assert jpg.shape == (64, 64, 3) and jpg.dtype == np.uint8
    assert np.abs(jpg.astype(int) - rgb).mean() < 6


def test_a_float_tiff_is_read_and_one_with_nan_pixels_is_refused_by_name(tmp_path, recwarn):
    img = cv2.cvtColor(fundus_image(True, 1, size=64), cv2.COLOR_RGB2BGR).astype(np.float32) / 255.0
    ok, data = cv2.imencode(".tiff", img)
    (tmp_path / "f.tif").write_bytes(data.tobytes())
    assert np.abs(read_image(tmp_path / "f.tif").astype(int) - fundus_image(True, 1, size=64)).max() <= 1
    img[10, 10, 1] = np.nan
    ok, data = cv2.imencode(".tiff", img)
    (tmp_path / "nan.tif").write_bytes(data.tobytes())
    with pytest.raises(ImageError, match=r"nan\.tif: .*not numbers: NaN"):  # was decoded black: "too dark"
        read_image(tmp_path / "nan.tif")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_grayscale_rgba_and_16_bit(tmp_path):
    gray = np.tile(np.arange(64, dtype=np.uint8), (64, 1))
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    out = read_image(tmp_path / "g.png")
    assert out.shape == (64, 64, 3) and (out[..., 0] == gray).all()

    bgra = np.zeros((8, 8, 4), np.uint8)
    bgra[..., 2] = 200  # red
    bgra[..., 3] = 255
    bgra[:4, :, 3] = 0  # transparent top half
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    out = read_image(tmp_path / "a.png")
    assert out[6, 0].tolist() == [200, 0, 0] and out[0, 0].tolist() == [0, 0, 0]

    deep = np.full((8, 8, 3), 65535, np.uint16)
    deep[0, 0] = 0
    cv2.imwrite(str(tmp_path / "d.png"), deep)
    out = read_image(tmp_path / "d.png")
    assert out.dtype == np.uint8 and out[1, 1].tolist() == [255, 255, 255] and out[0, 0].tolist() == [0, 0, 0]


@pytest.mark.parametrize("content, problem", [
    (b"", "empty"),
    (b"hello, this is not an image", "not a readable image"),
])
def test_bad_files_name_file_and_problem(tmp_path, content, problem):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=problem) as info:
        read_image(path)
    assert str(path) in str(info.value)


def test_truncated_jpeg_and_png(tmp_path):
    for suffix in (".jpg", ".png"):
        good = write_rgb(tmp_path / f"good{suffix}", fundus_image(False, 2))
        data = good.read_bytes()
        cut = tmp_path / f"cut{suffix}"
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(ImageError, match="truncated"):
            read_image(cut)


def test_a_jpeg_whose_data_is_too_short_for_its_declared_size_is_called_truncated(tmp_path):
    """Hostile round: a 64x64 JPEG whose frame header claims 6000x6000 decoded (libjpeg fills the rest grey,
    warning only) and was called "not a colour photograph"; it is a cut-off file. A genuine picture whose scan is
    as short as Huffman coding allows (black, optimised tables: two bits a block) is still read."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(fundus_image(True, 3, size=64), cv2.COLOR_RGB2BGR))
    data = bytearray(buf.tobytes())
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = (6000).to_bytes(2, "big") * 2
    claims = tmp_path / "claims-6000.jpg"
    claims.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="truncated"):
        read_image(claims, min_side=224)

    ok, buf = cv2.imencode(".jpg", np.zeros((2000, 2000), np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, 1, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    tight = tmp_path / "black.jpg"
    tight.write_bytes(buf.tobytes())
    assert len(buf) - buf.tobytes().find(b"\xff\xda") < 250 * 250 // 4 + 64  # at the bound, give or take headers
    assert read_image(tight, min_side=224).shape == (250, 250, 3)


def test_a_jpeg_whose_image_data_ends_early_is_called_truncated_even_with_an_end_marker(tmp_path):
    """Hostile round: a photograph cut to 95 % (or 80 %) and an end-of-image marker put back decoded without an
    error, its rest grey, and got a verdict; libjpeg only warned. A warning that leaves the picture whole (bytes
    before the end marker, as some cameras write) still reads. (A run of zeroed bytes inside the data is caught
    only when the decoder's loss of step ends in such a warning: JPEG has no checksum; see docs/security.md.)"""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(fundus_image(True, 4, size=512), cv2.COLOR_RGB2BGR))
    data = buf.tobytes()
    body = data[:-2]
    cases = {f"cut{share}.jpg": body[: len(body) * share // 100] + b"\xff\xd9" for share in (95, 80)}
    for name, damaged in cases.items():
        (tmp_path / name).write_bytes(damaged)
        with pytest.raises(ImageError, match="truncated|corrupt JPEG data"):
            read_image(tmp_path / name, min_side=224)
    (tmp_path / "extra.jpg").write_bytes(body + b"\x00" * 7 + b"\xff\xd9")  # "7 extraneous bytes before marker"
    assert read_image(tmp_path / "extra.jpg", min_side=224).shape == (256, 256, 3)  # read at half size


def _jpeg_header(width: int, height: int, sampling: list[tuple[int, int]], data_bytes: int) -> bytes:
    """SOI, a baseline frame with these sampling factors, a scan of all components, ``data_bytes`` of data, EOI."""
    n = len(sampling)
    sof = bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes([n])
    sof += b"".join(bytes([c + 1, h << 4 | v, 0]) for c, (h, v) in enumerate(sampling))
    sos = bytes([n]) + b"".join(bytes([c + 1, 0]) for c in range(n)) + bytes([0, 63, 0])
    return (b"\xff\xd8\xff\xc0" + (len(sof) + 2).to_bytes(2, "big") + sof
            + b"\xff\xda" + (len(sos) + 2).to_bytes(2, "big") + sos + b"\x00" * data_bytes + b"\xff\xd9")


@pytest.mark.parametrize(("sampling", "blocks"), [
    ([(1, 1)], 500 * 500),  # grey
    ([(2, 2), (1, 1), (1, 1)], 500 * 500 + 2 * 250 * 250),  # 4:2:0
    ([(4, 1), (1, 4), (1, 1)], 125 * 500 + 500 * 125 + 125 * 125),  # no component full size both ways
])
def test_the_least_image_data_counts_every_component_s_blocks(sampling, blocks):
    """Hostile round: a 4000x4000 JPEG sampled 4x1,1x4,1x1 (libjpeg decodes it whole) was called truncated: the
    least data was counted as if one component were full size both ways."""
    from core.images.headers import jpeg_layout

    assert jpeg_layout(_jpeg_header(4000, 4000, sampling, 10)).least_data == blocks // 4


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="not found"):
        read_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="folder"):
        read_image(tmp_path)


def test_preprocessing_range_layout_and_size():
    img = fundus_image(True, 3, size=500)
    small = resize(img)
    assert small.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    x = to_input(np.stack([small, small]))
    assert x.shape == (2, 3, IMAGE_SIZE, IMAGE_SIZE) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert to_input(np.zeros((1, 1, 3), np.uint8)).ravel().tolist() == [-1.0] * 3
    assert to_input(np.full((1, 1, 3), 255, np.uint8)).ravel().tolist() == [1.0] * 3
    # channel 0 of the network input is red
    red = np.zeros((1, 1, 3), np.uint8)
    red[..., 0] = 255
    assert to_input(red)[0, :, 0, 0].tolist() == [1.0, -1.0, -1.0]


def test_reduced_jpeg_decoding_keeps_the_needed_size(tmp_path):
    from core.images.headers import jpeg_header
    from core.images.imageio import reduction_for
    from tests.synthetic import full_size_fundus

    rgb = full_size_fundus(2124, 2056)
    path = write_rgb(tmp_path / "big.jpg", rgb)
    assert jpeg_header(path.read_bytes()) == (2124, 2056, True)
    assert read_image(path).shape == (2056, 2124, 3)  # unchanged without min_side
    for min_side, shape in ((224, (257, 266)), (448, (514, 531)), (600, (1028, 1062)), (1500, (2056, 2124))):
        assert read_image(path, min_side=min_side).shape[:2] == shape
    # the same picture as a full decode shrunk by area interpolation
    small = read_image(path, min_side=224)
    ref = cv2.resize(read_image(path), small.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - ref).mean() < 2
    assert reduction_for(1444, 1444, 224) == 4 and reduction_for(200, 300, 224) == 1
    assert reduction_for(1785, 1800, 224) == 8 and reduction_for(1784, 1800, 224) == 4  # libjpeg: ceil(w / 8)
    # progressive and grey JPEGs; other formats are decoded in full
    prog = tmp_path / "prog.jpg"
    cv2.imwrite(str(prog), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert read_image(prog, min_side=448).shape == (514, 531, 3)
    grey = tmp_path / "grey.jpg"
    cv2.imwrite(str(grey), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    assert read_image(grey, min_side=224).shape == (257, 266, 3)
    png = write_rgb(tmp_path / "big.png", rgb[:600, :800])
    assert read_image(png, min_side=224).shape == (600, 800, 3)
    assert jpeg_header(png.read_bytes()) is None and jpeg_header(b"\xff\xd8\xff\xd9") is None


def test_reduced_decoding_keeps_the_error_messages(tmp_path):
    good = write_rgb(tmp_path / "good.jpg", fundus_image(False, 2, size=600))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(ImageError, match="truncated"):
        read_image(cut, min_side=224)
    header_only = tmp_path / "header.jpg"
    header_only.write_bytes(good.read_bytes()[:400] + b"\xff\xd9")
    with pytest.raises(ImageError, match="not a readable image"):
        read_image(header_only, min_side=224)


def test_decoding_works_without_a_writable_temporary_folder(tmp_path, monkeypatch):
    """The decoders' messages are caught in a temporary file; where none can be made, images are still read."""
    import tempfile

    def no_tmp(*a, **k):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_tmp)
    rgb = fundus_image(True, 1, size=64)
    assert read_image(write_rgb(tmp_path / "a.jpg", rgb)).shape == (64, 64, 3)
