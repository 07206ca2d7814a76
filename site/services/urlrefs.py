"""URL references as the original Open PaaS sample stored them, and when a
page may link to one.

The sample's clients send any URL reference in `url` (and `thumb_img_path`):
absolute http(s) URLs, scheme-less `host/path` ("mocha.mysql.test.org.home.orl"),
relative paths, "#" for a group without a page. All of them are accepted.
Refused, because a browser would run them or they are broken: a scheme other
than http, https or mailto (javascript:, data:, vbscript: ..., however spelled:
browsers ignore case, leading spaces and control characters, and tabs or
newlines anywhere), and control characters.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

ALLOWED_SCHEMES = ("http", "https", "mailto")
# RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# "host:8080/path" has no scheme: what follows the colon is a port.
HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d+(?:[/?#]|$)")
# What the WHATWG URL parser drops before looking for the scheme.
_LEADING = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")


def has_control_characters(value):
    """C0/C1 controls, DEL, and the Unicode line/paragraph separators."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)


def scheme_of(value):
    """The scheme a browser would see (lower case), or "" for a relative or
    scheme-less reference."""
    candidate = value.translate(_TAB_NEWLINE).lstrip(_LEADING)
    if HOST_PORT.match(candidate):
        return ""
    match = SCHEME.match(candidate)
    return match.group(1).lower() if match else ""


def url_reference_error(value):
    """Why `value` is refused as a URL reference, or None when it is fine."""
    if has_control_characters(value):
        return "must not contain control characters (tabs, newlines ...)"
    scheme = scheme_of(value)
    if scheme and scheme not in ALLOWED_SCHEMES:
        return f"the scheme {scheme}: is not allowed (use http, https or mailto, or a relative URL)"
    return None


def validate_url_reference(value):
    """Django validator (models, forms) of the rules above."""
    error = url_reference_error(value or "")
    if error:
        raise ValidationError(error, code="invalid_url")


def link_href(value):
    """The href a page may use for a stored URL, or "" to show it as text.

    Linked: absolute http(s) and mailto URLs, and references relative to this
    site ("/path", "#fragment", "?query", "./x", "../x"). Not linked: anything
    refused above (stored before these rules, or written around the API), and
    scheme-less "host/path" values, which a browser would resolve against the
    current page rather than the host that was meant.
    """
    value = (value or "").strip()
    if not value or url_reference_error(value):
        return ""
    scheme = scheme_of(value)
    if scheme:
        if scheme in ("http", "https") and not re.match(r"^https?://[^/?#\s]", value, re.IGNORECASE):
            return ""  # "http:foo" or "http:///x": no host to go to
        return value
    if value.startswith(("/", "#", "?", "./", "../")):
        return value
    return ""
