"""Synthetic fundus-like images and miniature PALM layouts for the tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def fundus_image(pm: bool, seed: int, size: int | tuple[int, int] = 224) -> np.ndarray:
    """A fundus-like RGB uint8 image: orange disc of retina on black; 'PM' ones carry a large pale patch.
    ``size``: the side of a square picture, or (height, width)."""
    rng = np.random.default_rng(seed)
    h, w = (size, size) if isinstance(size, int) else size
    side = min(h, w)
    img = np.zeros((h, w, 3), np.uint8)
    cx, cy = w // 2, h // 2
    cv2.circle(img, (cx, cy), int(side * 0.45), (200, 90, 40), -1)
    disc = (int(cx + rng.integers(-10, 10) * side / 224), int(cy + rng.integers(-10, 10) * side / 224))
    cv2.circle(img, disc, int(side * 0.06), (250, 220, 150), -1)
    if pm:  # peripapillary atrophy: a wide pale region around the disc
        cv2.circle(img, disc, int(side * 0.18), (235, 200, 160), -1)
    # fine texture that the three channels share and that is not pixel-sized, as a retina's (noise independent in
    # each channel, or white grain, is what the quality gate calls noisy)
    texture = cv2.GaussianBlur(rng.normal(0, 20, (h, w)).astype(np.float32), (0, 0), 0.8)[..., None] * (img > 0)
    return np.clip(img + texture, 0, 255).astype(np.uint8)


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(path.suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))  # any path (imwrite: UTF-8 only)
    assert ok
    path.write_bytes(data.tobytes())
    return path


def make_palm_root(root: Path, n_train: int = 12, n_val: int = 6, label_format: str = "xlsx") -> Path:
    """A miniature PALM layout: Training (P/H/N prefixes), Validation + a label file."""
    train = root / "PALM-Training400"
    for i in range(n_train):
        tag = ("P", "N", "P", "H", "P", "N")[i % 6]
        write_rgb(train / f"{tag}{i:04d}.jpg", fundus_image(tag == "P", i))
    rows = []
    for i in range(n_val):
        pm = i % 2 == 0
        write_rgb(root / "PALM-Validation400" / f"V{i:04d}.jpg", fundus_image(pm, 1000 + i))
        rows.append((i + 1, f"V{i:04d}.jpg", int(pm)))
    gt = root / "PALM-Validation-GT"
    gt.mkdir(parents=True, exist_ok=True)
    write_label_file(gt / f"labels.{label_format}", rows)
    return root


def write_label_file(path: Path, rows, header=("ID", "imgName", "Label")) -> Path:
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(list(header))
        for r in rows:
            ws.append(list(r))
        wb.save(path)
    else:
        path.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n")
    return path


# ---------------------------------------------------------------- image-quality cases


def full_size_fundus(width: int = 2124, height: int = 2056, pm: bool = False, seed: int = 0,
                     base: np.ndarray | None = None) -> np.ndarray:
    """A full-resolution fundus-like photograph: a 224 px fundus (synthetic, or ``base``) scaled up to the frame's
    height and centred on black, as a camera's 2124x2056 picture."""
    small = fundus_image(pm, seed) if base is None else base
    side = min(width, height)
    big = cv2.resize(small, (side, side), interpolation=cv2.INTER_CUBIC)
    out = np.zeros((height, width, 3), np.uint8)
    y, x = (height - side) // 2, (width - side) // 2
    out[y:y + side, x:x + side] = big
    return out


def noise_image(seed: int = 0, size: int = 224) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def document_photo(seed: int = 0, size: int = 448, paper=(236, 232, 222), desk=(58, 50, 44)) -> np.ndarray:
    """A photo-like picture of a printed page: off-white paper, lines of text, uneven light, on a dark desk."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), desk, np.uint8)
    page = np.full((int(size * 0.9), int(size * 0.7), 3), paper, np.uint8)
    ph, pw = page.shape[:2]
    words = "Patient information: please read this leaflet carefully before the examination " * 2
    for y in range(int(ph * 0.08), int(ph * 0.92), max(8, ph // 28)):
        start = int(rng.integers(0, 20))
        cv2.putText(page, words[start:start + 40], (int(pw * 0.06), y), cv2.FONT_HERSHEY_SIMPLEX, size / 1400,
                    (30, 30, 35), 1, cv2.LINE_AA)
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    jitter = rng.uniform(-0.03, 0.03, (4, 2)) * size
    dst = np.float32([[0.12, 0.05], [0.86, 0.07], [0.9, 0.97], [0.1, 0.95]]) * size + jitter
    warp = cv2.warpPerspective(page, cv2.getPerspectiveTransform(src, dst.astype(np.float32)), (size, size))
    covered = cv2.warpPerspective(np.ones((ph, pw), np.uint8), cv2.getPerspectiveTransform(
        src, dst.astype(np.float32)), (size, size)).astype(bool)
    img[covered] = warp[covered]
    yy, xx = np.mgrid[:size, :size] / size
    light = 1.05 - 0.25 * np.hypot(xx - 0.3, yy - 0.2)  # a lamp at the top left
    noisy = img * light[..., None] + rng.normal(0, 3, img.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jpeg_roundtrip(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


PATIENT = {"PatientName": "Doe^Jane", "PatientID": "P-123456", "PatientBirthDate": "19700101",
           "PatientSex": "F", "AccessionNumber": "ACC-9", "StudyID": "S-77", "InstitutionName": "Eye Clinic"}


def write_op_dicom(path: Path, rgb: np.ndarray, syntax: str = "native", frames: int = 1) -> Path:
    """A small Ophthalmic Photography DICOM file like a fundus camera's, patient data included (needs pydicom).
    ``syntax``: native, jpeg or jpeg2000."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import (
        ExplicitVRLittleEndian,
        JPEG2000Lossless,
        JPEGBaseline8Bit,
        OphthalmicPhotography8BitImageStorage,
        generate_uid,
    )

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = OphthalmicPhotography8BitImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = OphthalmicPhotography8BitImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "OP"
    ds.Manufacturer = "Acme Optics"
    ds.ManufacturerModelName = "FundusCam 3000"
    ds.ImageLaterality = "R"
    ds.AcquisitionDateTime = "20240315103000"
    ds.HorizontalFieldOfView = 45
    for key, value in PATIENT.items():
        setattr(ds, key, value)
    h, w = rgb.shape[:2]
    ds.Rows, ds.Columns, ds.SamplesPerPixel = h, w, 3
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if syntax == "native":
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.PhotometricInterpretation = "RGB"
        ds.PixelData = np.concatenate([rgb] * frames).tobytes()
    else:
        ext, uid, photometric = {"jpeg": (".jpg", JPEGBaseline8Bit, "YBR_FULL_422"),
                                 "jpeg2000": (".jp2", JPEG2000Lossless, "RGB")}[syntax]
        meta.TransferSyntaxUID = uid
        ds.PhotometricInterpretation = photometric
        ok, buf = cv2.imencode(ext, bgr)
        assert ok
        if syntax == "jpeg2000":  # DICOM holds the bare codestream, not the JP2 box structure
            data = buf.tobytes()
            buf = np.frombuffer(data[data.index(b"\xff\x4f\xff\x51"):], np.uint8)
        ds.PixelData = encapsulate([buf.tobytes()] * frames)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def save_tiny_model(folder: Path, seed: int = 0, name: str = "tiny", model=None, **meta) -> Path:
    """A model folder holding an untrained ResNet-18-D (seeded), or ``model``, with the metadata inference needs."""
    from core.images.preprocess import PREPROCESSING
    from core.nn._paddle import paddle
    from core.nn.models import build_resnet
    from core.store.modelio import save_model

    if model is None:
        paddle.seed(seed)
        model = build_resnet(18, "D")
    model.eval()
    save_model(folder, model, {"name": name, "architecture": model.config.to_dict(), "class_names": ["non-PM", "PM"],
                               "preprocessing": PREPROCESSING, "threshold": 0.5, **meta})
    return folder


def tiny_networks(seeds):
    """Untrained ResNet-18-D networks, one per seed, in eval mode."""
    from core.nn._paddle import paddle
    from core.nn.models import build_resnet

    nets = []
    for seed in seeds:
        paddle.seed(seed)
        net = build_resnet(18, "D")
        net.eval()
        nets.append(net)
    return nets


def save_tiny_members(folder: Path, seeds=(1, 2), temperature=1.7, threshold=0.4, name="tiny ensemble",
                      card: dict | None = None) -> Path:
    """A model folder of several members (core.store.members): one untrained ResNet-18-D per seed; ``card``: more
    fields of its model.json (metrics, intervals, ...)."""
    from core.images.preprocess import PREPROCESSING
    from core.store.members import save_members

    meta = {"name": name, "class_names": ["non-PM", "PM"], "positive_class": 1,
            "preprocessing": PREPROCESSING, "temperature": temperature, "threshold": threshold, **(card or {})}
    save_members(folder, [(n, f"seed-{s}") for n, s in zip(tiny_networks(seeds), seeds)], meta)
    return folder
