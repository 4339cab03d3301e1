"""Data URIs and image checks: strict base64 decoded a slice at a time, the types the API takes, shapes."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from mock_server.media import images
from mock_server.media.images import (
    ImageDataError,
    decode_base64,
    decode_data_uri,
    nearest_ratio,
    upright_size,
)


def _png(size: tuple[int, int] = (8, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (9, 9, 9)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("slice_chars", [4, 8, 1 << 18])
def test_base64_decodes_alike_whatever_the_slice(monkeypatch: pytest.MonkeyPatch, slice_chars: int) -> None:
    monkeypatch.setattr(images, "_BASE64_SLICE", slice_chars)
    for data in (b"", b"a", b"ab", b"abc", bytes(range(256)) * 3, _png()):
        assert decode_base64(base64.b64encode(data).decode()) == data


@pytest.mark.parametrize("text", ["@@@@", "aGk", "aGk==", "a=Gk", "aGk=aGk=", " aGk", "aGk=\n", "aGk-"])
@pytest.mark.parametrize("slice_chars", [4, 1 << 18])
def test_base64_is_strict(monkeypatch: pytest.MonkeyPatch, text: str, slice_chars: int) -> None:
    monkeypatch.setattr(images, "_BASE64_SLICE", slice_chars)
    with pytest.raises(ImageDataError, match="not valid base64"):
        decode_base64(text)


def test_a_data_uri_needs_an_image_type_base64_and_a_picture_of_that_kind() -> None:
    png = _png()
    assert decode_data_uri("data:image/png;base64," + base64.b64encode(png).decode()) == png
    assert decode_data_uri("DATA:image/PNG;BASE64," + base64.b64encode(png).decode()) == png
    for uri, words in [
        ("data:image/gif;base64,R0lGODdh", "type 'image/gif'"),
        ("data:image/png,raw", "not base64-encoded"),
        ("data:image/png;base64,", "holds no data"),
        ("image/png;base64,aGk=", "not a data URI"),
        ("data:image/png;base64,aGk=", "not a readable image"),
    ]:
        with pytest.raises(ImageDataError, match=words):
            decode_data_uri(uri)


def test_the_upright_size_and_the_nearest_ratio() -> None:
    assert upright_size(_png((160, 90))) == (160, 90)
    assert upright_size(b"nothing") is None
    ratios = ("16:9", "9:16", "1:1")
    assert nearest_ratio(160, 90, ratios) == "16:9"
    assert nearest_ratio(90, 160, ratios) == "9:16"
    assert nearest_ratio(100, 80, ratios) == "1:1"
    assert nearest_ratio(140, 90, ratios) == "16:9"
    assert nearest_ratio(120, 90, (*ratios, "4:3")) == "4:3"
    assert nearest_ratio(0, 90, ratios) == "16:9"
