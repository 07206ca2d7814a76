"""upload (POST, staff) and images/<name> (GET, public); the checks and the
storage are services.images.

POST upload, multipart field "file": an image (PNG, JPEG, GIF or WebP, checked
by decoding it) of at most settings.SERVICES_UPLOAD_MAX_BYTES ->
201 {"thumb_img_path", "thumb_img_name", "img_path", "img_name",
"content_type", "width", "height"}; thumb_img_path points to the thumbnail.
Not an image 400, too big 413, Swift down 503 -- always JSON.
"""

import logging

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, StreamingHttpResponse
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from services import images
from services.api.base import ServicesAPIView

logger = logging.getLogger("services")

# Room for the multipart framing around the file.
MULTIPART_OVERHEAD = 64 * 1024


class TooBig(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_big"

    def __init__(self):
        limit = images.max_bytes()
        super().__init__(
            {"detail": f"file too large: the limit is {limit} bytes", "file": [f"larger than {limit} bytes"]}
        )


class SizeLimitHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes the limit (when Content-Length
    lies or is absent), so a huge upload is never spooled to disk."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > images.max_bytes():
            self.request._services_upload_too_big = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadView(ServicesAPIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Before authentication (which may read the body for a CSRF token):
        # refuse what is obviously too big without reading it.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > images.max_bytes() + MULTIPART_OVERHEAD:
            raise TooBig()
        request._request.upload_handlers.insert(0, SizeLimitHandler(request._request))
        super().initial(request, *args, **kwargs)

    def post(self, request):
        files = request.FILES.getlist("file")
        if getattr(request._request, "_services_upload_too_big", False):
            raise TooBig()
        if not files:
            raise exceptions.ValidationError({"file": ["No file was submitted."]})
        if len(files) > 1:
            raise exceptions.ValidationError({"file": ["Send one file."]})
        upload = files[0]
        if upload.size > images.max_bytes():
            raise TooBig()
        data = upload.read()
        try:
            result = images.store_upload(data)
        except images.NotAnImage as exc:
            raise exceptions.ValidationError({"file": [f"{exc}: send a PNG, JPEG, GIF or WebP image"]}) from exc
        logger.info("stored upload %s (%d bytes) for %s", result["img_name"], len(data), request.user)
        return Response(result, status=status.HTTP_201_CREATED)


class ImageView(ServicesAPIView):
    """Streams a stored image (from Swift, or from disk) with long caching:
    names are unique and never reused, so the content never changes."""

    def get(self, request, name):
        try:
            body, content_type, length, etag = images.open_image(name)
        except images.ImageNotFound:
            raise exceptions.NotFound("image not found") from None
        if hasattr(body, "read"):
            response = FileResponse(body, content_type=content_type)
        else:
            response = StreamingHttpResponse(body, content_type=content_type)
            if length is not None:
                response["Content-Length"] = str(length)
        if etag:
            response["ETag"] = f'"{etag.strip(chr(34))}"'
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
