import sys

import cv2
import numpy as np
import pytest

from core.images.imageio import ImageError, is_image_file
from core.images.reader import read_image
from tests.synthetic import PATIENT, fundus_image, write_op_dicom

pydicom = pytest.importorskip("pydicom")

from core.images import dicom  # noqa: E402


def _assert_no_patient_data(meta: dict):
    text = repr(meta)
    for value in PATIENT.values():
        if len(value) > 1:
            assert value not in text and value.split("^")[0] not in text
    assert not any(word in key.lower() for key in meta for word in ("patient", "sex", "birth", "accession", "study"))


@pytest.mark.parametrize("syntax, tolerance", [("native", 0), ("jpeg", 6), ("jpeg2000", 3)])
def test_reads_op_dicom_pixels_and_patient_free_metadata(tmp_path, syntax, tolerance):
    rgb = fundus_image(True, 1, size=96)
    path = write_op_dicom(tmp_path / f"eye-{syntax}.dcm", rgb, syntax)
    image = dicom.read_dicom(path)
    assert image.pixels.shape == (96, 96, 3) and image.pixels.dtype == np.uint8
    assert np.abs(image.pixels.astype(int) - rgb).mean() <= tolerance + 0.5  # RGB order, not BGR
    m = image.metadata
    assert m["modality"] == "OP" and m["manufacturer"] == "Acme Optics" and m["model"] == "FundusCam 3000"
    assert m["laterality"] == "R" and m["rows"] == 96 and m["columns"] == 96
    assert m["acquisition_date"] == "2024-03-15" and m["field_of_view_deg"] == 45
    assert "Ophthalmic Photography" in m["sop_class"]
    _assert_no_patient_data(m)
    _assert_no_patient_data(dicom.read_metadata(path))
    np.testing.assert_array_equal(read_image(path), image.pixels)  # read_image takes .dcm too


def test_reduced_decoding_of_a_large_jpeg_dicom_and_first_frame(tmp_path):
    rgb = cv2.resize(fundus_image(False, 2), (1600, 1600), interpolation=cv2.INTER_CUBIC)
    path = write_op_dicom(tmp_path / "big", rgb, "jpeg")  # no suffix: recognised by the DICM preamble
    assert read_image(path, min_side=224).shape == (400, 400, 3)
    multi = write_op_dicom(tmp_path / "multi.dcm", fundus_image(False, 3, size=64), "native", frames=3)
    image = dicom.read_dicom(multi)
    assert image.pixels.shape == (64, 64, 3) and image.metadata["frames"] == 3


def test_grey_16_bit_dicom(tmp_path):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 4, 4, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = np.array([[0, 4095, 2048, 1024]] * 4, np.uint16).tobytes()
    path = tmp_path / "grey.dcm"
    ds.save_as(path, enforce_file_format=True)
    out = read_image(path)
    assert out.shape == (4, 4, 3) and out[0, :, 0].tolist() == [0, 255, 128, 64]


def test_bad_dicom_files_are_image_errors(tmp_path):
    assert is_image_file(tmp_path / "x.dcm")
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00garbage")
    with pytest.raises(ImageError) as info:
        read_image(junk)
    assert str(junk) in str(info.value)
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        read_image(empty)


def test_without_pydicom_the_message_says_what_to_install(tmp_path, monkeypatch):
    path = write_op_dicom(tmp_path / "eye.dcm", fundus_image(False, 4, size=32))
    monkeypatch.setitem(sys.modules, "pydicom", None)  # import pydicom now raises ImportError
    with pytest.raises(ImageError, match=r"DICOM support is not installed.*pmscreen\[dicom\]"):
        read_image(path)
