"""The engine's reasons (an unreadable file, the quality gate's verdict and measure) in the user's language.

``core.images.reasons`` turns the engine's English line into a code with parameters; the texts here are the same
sentences marked for translation (context "Reasons"). A reason no template knows is shown as the engine wrote it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

ERRORS = {
    "empty": QT_TRANSLATE_NOOP("Reasons", "the file is empty (0 bytes)"),
    "truncated": QT_TRANSLATE_NOOP("Reasons", "the file is truncated (incomplete image data)"),
    "not_image": QT_TRANSLATE_NOOP("Reasons", "not a readable image ({detail})"),
    "corrupt_png": QT_TRANSLATE_NOOP("Reasons", "corrupt PNG data ({detail})"),
    "not_found": QT_TRANSLATE_NOOP("Reasons", "file not found"),
    "missing_link": QT_TRANSLATE_NOOP("Reasons", "a link to a missing file"),
    "is_folder": QT_TRANSLATE_NOOP("Reasons", "is a folder, not an image file"),
    "not_regular": QT_TRANSLATE_NOOP("Reasons", "not a regular file ({detail})"),
    "not_regular_unopened": QT_TRANSLATE_NOOP("Reasons", "not a regular file ({detail}); not opened"),
    "os_error": QT_TRANSLATE_NOOP("Reasons", "cannot be read ({detail})"),
    "too_small": QT_TRANSLATE_NOOP("Reasons", "the image is too small to judge ({detail})"),
    "file_too_large": QT_TRANSLATE_NOOP("Reasons", "the file is too large ({detail})"),
    "too_large": QT_TRANSLATE_NOOP("Reasons", "{what} is too large ({detail})"),
    "no_images": QT_TRANSLATE_NOOP("Reasons", "folder holds no JPEG, PNG, TIFF, BMP or DICOM images"),
    "unusable": QT_TRANSLATE_NOOP("Reasons", "cannot be used ({detail})"),
    "dicom_missing": QT_TRANSLATE_NOOP("Reasons", "DICOM support is not installed (install the extra: pip install "
                                                  "'pmscreen[dicom]', i.e. pydicom)"),
    "dicom_unreadable": QT_TRANSLATE_NOOP("Reasons", "not a readable DICOM file ({detail})"),
    "dicom_no_pixels": QT_TRANSLATE_NOOP("Reasons", "DICOM file without pixel data (not an image)"),
    "dicom_pixels_unreadable": QT_TRANSLATE_NOOP("Reasons", "DICOM pixel data cannot be read ({detail})"),
    "dicom_undecodable": QT_TRANSLATE_NOOP("Reasons", "DICOM pixel data cannot be decoded ({detail})"),
    "dicom_not_2d": QT_TRANSLATE_NOOP("Reasons", "DICOM pixel data is not a 2-D image"),
    "copy": QT_TRANSLATE_NOOP("Reasons", "the same image as {name} (identical bytes)"),
}

DETAILS = {
    "unknown format or corrupt data": QT_TRANSLATE_NOOP("Reasons", "unknown format or corrupt data"),
    "unknown format: JPEG, PNG, TIFF, BMP or DICOM expected": QT_TRANSLATE_NOOP(
        "Reasons", "unknown format: JPEG, PNG, TIFF, BMP or DICOM expected"),
    "no picture size in its header": QT_TRANSLATE_NOOP("Reasons", "no picture size in its header"),
}

LABELS = {  # core.images.quality.REASONS
    "dark": QT_TRANSLATE_NOOP("Reasons", "too dark"),
    "overexposed": QT_TRANSLATE_NOOP("Reasons", "over-exposed"),
    "no_colour": QT_TRANSLATE_NOOP("Reasons", "not a colour photograph"),
    "no_fov": QT_TRANSLATE_NOOP("Reasons", "no circular field of view on a dark background"),
    "blurred": QT_TRANSLATE_NOOP("Reasons", "blurred"),
    "noisy": QT_TRANSLATE_NOOP("Reasons", "noisy"),
}

MEASURES = {  # core.images.reasons.MEASURES
    "brightness_low": QT_TRANSLATE_NOOP("Reasons", "mean brightness {value} < {limit}"),
    "brightness_high": QT_TRANSLATE_NOOP("Reasons", "mean brightness {value} > {limit}"),
    "clipped": QT_TRANSLATE_NOOP("Reasons", "{value} of the field is white"),
    "saturation": QT_TRANSLATE_NOOP("Reasons", "colour saturation {value} < {limit}"),
    "background": QT_TRANSLATE_NOOP("Reasons", "background level {value} > {limit}"),
    "bright_area": QT_TRANSLATE_NOOP("Reasons", "bright area {value} of the image < {limit}"),
    "no_surround": QT_TRANSLATE_NOOP("Reasons", "no dark surround"),
    "not_round": QT_TRANSLATE_NOOP("Reasons", "outline not round: coverage {coverage}, deviation {deviation}"),
    "rim_blur": QT_TRANSLATE_NOOP("Reasons", "rim blur {value} px > {limit} px"),
    "fine_detail": QT_TRANSLATE_NOOP("Reasons", "fine detail {value} < {limit}"),
    "noise": QT_TRANSLATE_NOOP("Reasons", "pixel noise {value} > {limit}"),
    "grain": QT_TRANSLATE_NOOP("Reasons", "grain {value} > {limit}"),
    "colour_grain": QT_TRANSLATE_NOOP("Reasons", "colour grain {value} > {limit}"),
    "coarse_colour_grain": QT_TRANSLATE_NOOP("Reasons", "coarse colour grain {value} > {limit}"),
    "banding": QT_TRANSLATE_NOOP("Reasons", "banding {value} > {limit}"),
    "specks": QT_TRANSLATE_NOOP("Reasons", "{value} of the field are specks > {limit}"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Reasons", text)


WHAT = {"the image": QT_TRANSLATE_NOOP("Reasons", "the image"),
        "the file": QT_TRANSLATE_NOOP("Reasons", "the file")}


def _param(key: str, value: str) -> str:
    if key == "detail" and value in DETAILS:
        return _tr(DETAILS[value])
    if key == "what":
        m = re.fullmatch(r"the image at 1/(\d+) size", value)
        if m:
            return QCoreApplication.translate("Reasons", "the image at 1/{0} size").format(m.group(1))
        return _tr(WHAT[value]) if value in WHAT else value
    return value


def _fill(template: str, params: dict) -> str:
    params = {k: _param(k, v) for k, v in params.items()}
    try:
        return _tr(template).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English one
        return template.format(**params)


def error_text(error: str | None) -> str:
    """Why a file cannot be read (``Prediction.error``, ``ImageError.problem``) in the current language."""
    from core.images.reasons import parse

    r = parse(error or "")
    return _fill(ERRORS[r.code], r.params) if r.code in ERRORS else (error or "")


def quality_text(quality) -> str:
    """Why an image is ungradable (a failed ``core.images.quality.QualityResult``), with the measure and its limit in
    brackets, in the current language; '' for a good or unassessed image."""
    from core.images.reasons import parse_measure

    if quality is None or quality.ok:
        return ""
    label = _tr(LABELS[quality.code]) if quality.code in LABELS else (quality.reason or "")
    m = parse_measure(quality)
    if m.code in MEASURES:
        return QCoreApplication.translate("Reasons", "{0} ({1})").format(label, _fill(MEASURES[m.code], m.params))
    if m.code == "other" and quality.code in LABELS:
        return f"{label} ({m.params['text']})"
    return label if quality.code in LABELS else (quality.reason or "")
