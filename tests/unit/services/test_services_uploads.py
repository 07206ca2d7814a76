"""Uploads of group images (Swift not configured: files on disk under MEDIA_ROOT)."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from services_testlib import closed_port_url

pytestmark = pytest.mark.django_db


def image_bytes(fmt="PNG", size=(640, 480), noise=False):
    if noise:
        img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def upload(client, data, name="photo.png", content_type="image/png", **extra):
    return client.post("/services/upload", {"file": SimpleUploadedFile(name, data, content_type)}, **extra)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_png_upload_is_stored_and_served_back(staff_client, settings):
    data = image_bytes()
    response = upload(staff_client, data, name="../../etc/evil name.png")
    assert response.status_code == 201, response.content
    body = response.json()
    thumb_path, thumb_name = body["thumb_img_path"], body["thumb_img_name"]
    assert thumb_path == f"/services/images/{thumb_name}"
    assert thumb_name.endswith("-thumb.png") and "evil" not in thumb_name and "/" not in thumb_name
    assert (body["width"], body["height"], body["content_type"]) == (640, 480, "image/png")

    # The thumbnail, served by the site with long caching.
    response = Client().get(thumb_path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "max-age=31536000" in response["Cache-Control"]
    thumb = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert thumb.format == "PNG" and max(thumb.size) <= 256 and thumb.size[0] == 256

    # The original, byte for byte.
    response = Client().get(body["img_path"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data

    # Stored on disk under MEDIA_ROOT with the generated names only.
    stored = sorted(os.listdir(os.path.join(settings.MEDIA_ROOT, "services", "images")))
    assert stored == sorted([body["img_name"], thumb_name])


@pytest.mark.parametrize(
    "fmt, ext, ctype", [("JPEG", "jpg", "image/jpeg"), ("GIF", "gif", "image/gif"), ("WEBP", "webp", "image/webp")]
)
def test_other_image_formats_get_their_real_extension(staff_client, fmt, ext, ctype):
    # Named .png by the client: the detected format decides.
    response = upload(staff_client, image_bytes(fmt), name="x.png")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["thumb_img_name"].endswith(f"-thumb.{ext}")
    fetched = Client().get(body["thumb_img_path"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == ctype


def test_upload_path_can_be_saved_on_a_group(staff_client, api):
    body = upload(staff_client, image_bytes()).json()
    org_id = api.new_org("mysql")
    group_id = api.new_group(
        "mysql", org_id, thumb_img_path=body["thumb_img_path"], thumb_img_name=body["thumb_img_name"]
    )
    group = api.get(f"orgs/{org_id}/groups/{group_id}/mysql").json()["group"]
    assert group["thumb_img_path"] == body["thumb_img_path"]


@pytest.mark.parametrize(
    "data, name",
    [
        (b"just some text, not an image", "notes.png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg"),
        (b"%PDF-1.4\n%...", "doc.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "truncated.png"),
    ],
)
def test_non_images_are_400(staff_client, data, name, settings):
    response = upload(staff_client, data, name=name)
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "services", "images"))


def test_other_pillow_formats_are_refused(staff_client):
    response = upload(staff_client, image_bytes("BMP"), name="x.bmp")
    assert response.status_code == 400


def test_missing_file_is_400(staff_client):
    response = staff_client.post("/services/upload", {"other": "x"})
    assert response.status_code == 400
    assert response.json() == {"file": ["No file was submitted."]}


def test_too_big_is_413(staff_client, settings):
    data = image_bytes(size=(100, 100), noise=True)  # ~30 KB
    settings.SERVICES_UPLOAD_MAX_BYTES = len(data) - 1
    response = upload(staff_client, data)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    settings.SERVICES_UPLOAD_MAX_BYTES = len(data)
    assert upload(staff_client, data).status_code == 201


def test_huge_body_is_413_before_it_is_read(staff_client, settings):
    settings.SERVICES_UPLOAD_MAX_BYTES = 1000
    response = upload(staff_client, b"\0" * (200 * 1024), name="big.png")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_uploads_need_staff(anon, member, settings):
    data = image_bytes()
    response = upload(anon.client, data)
    assert response.status_code == 401
    client = Client()
    client.force_login(member)
    assert upload(client, data).status_code == 403
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "services", "images"))


def test_uploads_need_csrf(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert upload(client, image_bytes()).status_code == 403
    token = client.get("/services/manage/login").json()["csrftoken"]
    assert upload(client, image_bytes(), HTTP_X_CSRFTOKEN=token).status_code == 201


@pytest.mark.parametrize(
    "name",
    [
        "0123456789abcdef0123456789abcdef.png",  # well formed, not stored
        "..%2F..%2Fsettings.py",
        "x.png",
        "0123456789abcdef0123456789abcdef.exe",
    ],
)
def test_unknown_or_malformed_image_names_are_404(anon, name):
    response = anon.get(f"/services/images/{name}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_swift_down_is_503_for_uploads_and_images(staff_client, settings, api):
    settings.SWIFT_AUTH_URL = closed_port_url("http", "/auth/v1.0")
    settings.SWIFT_USER, settings.SWIFT_KEY = "test:tester", "testing"
    response = upload(staff_client, image_bytes())
    assert response.status_code == 503
    assert "Swift" in response.json()["detail"]
    response = Client().get("/services/images/0123456789abcdef0123456789abcdef-thumb.png")
    assert response.status_code == 503
    assert "Swift" in response.json()["detail"]
    # The rest of the API is unaffected.
    assert api.get("orgs/mysql").status_code == 200
