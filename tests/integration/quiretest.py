"""quiretest: shared helpers for quire's integration tests (Python 3 standard library only).

Contents
  * IPP codec: Attr / Message, encode() / decode(), request builders, raw byte helpers for
    crafting malformed messages.
  * HTTP: HttpConn (raw socket, keep-alive, Content-Length / chunked bodies from bytes or
    generators, Expect: 100-continue, early-response detection while uploading) and
    post_httpclient() (the same through http.client).
  * Daemon: starts build/quired on a free loopback port with its own data dir, waits until it
    answers (bounded), stops it (SIGTERM), kills it (SIGKILL), restarts it on the same data dir,
    reads VmRSS / VmHWM; Admin API client; spool inspection helpers.
  * A tiny test registry / runner: @test functions, check helpers, and a last output line of
    exactly "N passed, N failed" (exit status 1 when anything failed).

Every loop here is bounded in count and in time; only processes started here are signalled,
by PID.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import re
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

# ---------------------------------------------------------------------------------------------
# IPP constants
# ---------------------------------------------------------------------------------------------

# Delimiter (group) tags
TAG_OPERATION = 0x01
TAG_JOB = 0x02
TAG_END = 0x03
TAG_PRINTER = 0x04
TAG_UNSUPPORTED_GROUP = 0x05
TAG_DOCUMENT = 0x09

# Value tags
TAG_UNSUPPORTED_VALUE = 0x10
TAG_DEFAULT = 0x11
TAG_UNKNOWN = 0x12
TAG_NOVALUE = 0x13
TAG_NOTSETTABLE = 0x15
TAG_DELETEATTR = 0x16
TAG_ADMINDEFINE = 0x17
TAG_INTEGER = 0x21
TAG_BOOLEAN = 0x22
TAG_ENUM = 0x23
TAG_STRING = 0x30          # octetString
TAG_DATE = 0x31
TAG_RESOLUTION = 0x32
TAG_RANGE = 0x33
TAG_BEGIN_COLLECTION = 0x34
TAG_TEXTLANG = 0x35
TAG_NAMELANG = 0x36
TAG_END_COLLECTION = 0x37
TAG_TEXT = 0x41
TAG_NAME = 0x42
TAG_KEYWORD = 0x44
TAG_URI = 0x45
TAG_URISCHEME = 0x46
TAG_CHARSET = 0x47
TAG_LANGUAGE = 0x48
TAG_MIMETYPE = 0x49
TAG_MEMBERNAME = 0x4A
TAG_EXTENSION = 0x7F

OUT_OF_BAND = {TAG_UNSUPPORTED_VALUE, TAG_DEFAULT, TAG_UNKNOWN, TAG_NOVALUE, TAG_NOTSETTABLE,
               TAG_DELETEATTR, TAG_ADMINDEFINE}
STRING_TAGS = {TAG_TEXT, TAG_NAME, TAG_KEYWORD, TAG_URI, TAG_URISCHEME, TAG_CHARSET,
               TAG_LANGUAGE, TAG_MIMETYPE, TAG_MEMBERNAME}

# Operations
OP_PRINT_JOB = 0x0002
OP_PRINT_URI = 0x0003
OP_VALIDATE_JOB = 0x0004
OP_CREATE_JOB = 0x0005
OP_SEND_DOCUMENT = 0x0006
OP_SEND_URI = 0x0007
OP_CANCEL_JOB = 0x0008
OP_GET_JOB_ATTRIBUTES = 0x0009
OP_GET_JOBS = 0x000A
OP_GET_PRINTER_ATTRIBUTES = 0x000B
OP_HOLD_JOB = 0x000C
OP_RELEASE_JOB = 0x000D
OP_RESTART_JOB = 0x000E
OP_PAUSE_PRINTER = 0x0010
OP_RESUME_PRINTER = 0x0011
OP_PURGE_JOBS = 0x0012
OP_CANCEL_MY_JOBS = 0x0039
OP_CLOSE_JOB = 0x003B
OP_IDENTIFY_PRINTER = 0x003C

# Status codes
STATUS_OK = 0x0000
STATUS_OK_IGNORED = 0x0001
STATUS_OK_CONFLICTING = 0x0002
STATUS_BAD_REQUEST = 0x0400
STATUS_FORBIDDEN = 0x0401
STATUS_NOT_AUTHENTICATED = 0x0402
STATUS_NOT_AUTHORIZED = 0x0403
STATUS_NOT_POSSIBLE = 0x0404
STATUS_TIMEOUT = 0x0405
STATUS_NOT_FOUND = 0x0406
STATUS_GONE = 0x0407
STATUS_TOO_LARGE = 0x0408         # client-error-request-entity-too-large (RFC 8011 13.1.4.9)
STATUS_VALUE_TOO_LONG = 0x0409    # client-error-request-value-too-long
STATUS_URI_SCHEME = 0x040C
STATUS_CHARSET = 0x040D
STATUS_CONFLICTING = 0x040E
STATUS_FORMAT_NOT_SUPPORTED = 0x040A
STATUS_ATTRIBUTES_NOT_SUPPORTED = 0x040B
STATUS_COMPRESSION_NOT_SUPPORTED = 0x040F
STATUS_COMPRESSION_ERROR = 0x0410
STATUS_FORMAT_ERROR = 0x0411
STATUS_INTERNAL_ERROR = 0x0500
STATUS_OPERATION_NOT_SUPPORTED = 0x0501
STATUS_VERSION_NOT_SUPPORTED = 0x0503

STATUS_NAMES = {
    0x0000: "successful-ok", 0x0001: "successful-ok-ignored-or-substituted-attributes",
    0x0002: "successful-ok-conflicting-attributes", 0x0400: "client-error-bad-request",
    0x0401: "client-error-forbidden", 0x0402: "client-error-not-authenticated",
    0x0403: "client-error-not-authorized", 0x0404: "client-error-not-possible",
    0x0405: "client-error-timeout", 0x0406: "client-error-not-found",
    0x0407: "client-error-gone", 0x0408: "client-error-request-entity-too-large",
    0x0409: "client-error-request-value-too-long", 0x040C: "client-error-uri-scheme-not-supported",
    0x040D: "client-error-charset-not-supported", 0x040E: "client-error-conflicting-attributes",
    0x040A: "client-error-document-format-not-supported",
    0x040B: "client-error-attributes-or-values-not-supported",
    0x040F: "client-error-compression-not-supported", 0x0410: "client-error-compression-error",
    0x0411: "client-error-document-format-error", 0x0500: "server-error-internal-error",
    0x0501: "server-error-operation-not-supported", 0x0502: "server-error-service-unavailable",
    0x0503: "server-error-version-not-supported", 0x0507: "server-error-busy",
}

JOB_STATE_NAMES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped",
                   7: "canceled", 8: "aborted", 9: "completed"}


def status_name(code):
    return "0x%04X %s" % (code, STATUS_NAMES.get(code, "?"))


# ---------------------------------------------------------------------------------------------
# IPP data model
# ---------------------------------------------------------------------------------------------

class Attr:
    """One attribute: name, value tag of the first value, list of values (and per-value tags).

    Value representation by tag: integer/enum -> int, boolean -> bool, strings -> str,
    octetString -> bytes, dateTime -> 11-byte tuple (y, m, d, H, M, S, ds, sign, zh, zm),
    resolution -> (x, y, units), rangeOfInteger -> (lo, hi), text/nameWithLanguage ->
    (lang, text), collection -> list of Attr (its members), out-of-band -> None.
    """

    def __init__(self, name, tag, values, tags=None):
        self.name = name
        self.tag = tag
        if not isinstance(values, (list, tuple)):
            values = [values]
        self.values = list(values)
        self.tags = list(tags) if tags else [tag] * len(self.values)

    @property
    def value(self):
        return self.values[0] if self.values else None

    def __repr__(self):
        return "Attr(%r, 0x%02X, %r)" % (self.name, self.tag, self.values)


class Message:
    """An IPP request or response. `code` is the operation-id or the status-code."""

    def __init__(self, version=(2, 0), code=0, request_id=1, groups=None, data=b""):
        self.version = version
        self.code = code
        self.request_id = request_id
        self.groups = groups if groups is not None else []   # list of (group_tag, [Attr])
        self.data = data

    # --- building ---
    def group(self, tag):
        """Returns the attribute list of the last group with `tag`, creating it if missing."""
        for gtag, attrs in reversed(self.groups):
            if gtag == tag:
                return attrs
        attrs = []
        self.groups.append((tag, attrs))
        return attrs

    def add(self, group_tag, name, tag, values):
        self.group(group_tag).append(Attr(name, tag, values))
        return self

    # --- reading ---
    @property
    def status(self):
        return self.code

    def find(self, name, group_tag=None):
        for gtag, attrs in self.groups:
            if group_tag is not None and gtag != group_tag:
                continue
            for a in attrs:
                if a.name == name:
                    return a
        return None

    def value(self, name, group_tag=None, default=None):
        a = self.find(name, group_tag)
        return a.value if a is not None and a.values else default

    def values(self, name, group_tag=None):
        a = self.find(name, group_tag)
        return list(a.values) if a is not None else []

    def groups_of(self, group_tag):
        """List of dicts name -> Attr, one per group with `group_tag` (e.g. one per job)."""
        out = []
        for gtag, attrs in self.groups:
            if gtag == group_tag:
                out.append({a.name: a for a in attrs})
        return out

    def jobs(self):
        return self.groups_of(TAG_JOB)

    def printer(self):
        g = self.groups_of(TAG_PRINTER)
        return g[0] if g else {}

    def names(self, group_tag):
        out = []
        for gtag, attrs in self.groups:
            if gtag == group_tag:
                out.extend(a.name for a in attrs)
        return out

    def status_message(self):
        return self.value("status-message", TAG_OPERATION)

    def describe(self):
        s = status_name(self.code)
        m = self.status_message()
        if m:
            s += " (%s)" % m
        return s

    def dump(self):
        lines = ["version %d.%d code 0x%04X request-id %d" % (self.version[0], self.version[1],
                                                              self.code, self.request_id)]
        for gtag, attrs in self.groups:
            lines.append("group 0x%02X" % gtag)
            for a in attrs:
                lines.append("  %s (0x%02X) = %r" % (a.name, a.tag, a.values))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# IPP encoding
# ---------------------------------------------------------------------------------------------

def _u16(n):
    return struct.pack(">H", n)


def _enc_str(s):
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


def encode_value(tag, v):
    """Encodes one (non-collection) value of `tag` into its value bytes."""
    if tag in OUT_OF_BAND:
        return b""
    if tag in (TAG_INTEGER, TAG_ENUM):
        return struct.pack(">i", int(v))
    if tag == TAG_BOOLEAN:
        return b"\x01" if v else b"\x00"
    if tag == TAG_RANGE:
        return struct.pack(">ii", v[0], v[1])
    if tag == TAG_RESOLUTION:
        return struct.pack(">iiB", v[0], v[1], v[2])
    if tag == TAG_DATE:
        if isinstance(v, (bytes, bytearray)):
            return bytes(v)
        y, mo, d, h, mi, s, ds, sign, zh, zm = v
        return struct.pack(">HBBBBBBcBB", y, mo, d, h, mi, s, ds, sign.encode()
                           if isinstance(sign, str) else sign, zh, zm)
    if tag in (TAG_TEXTLANG, TAG_NAMELANG):
        lang, text = v
        lb, tb = _enc_str(lang), _enc_str(text)
        return _u16(len(lb)) + lb + _u16(len(tb)) + tb
    return _enc_str(v)


def encode_attr(a, first_name=None):
    """Encodes an Attr (all values), collections included."""
    out = bytearray()
    name = _enc_str(a.name if first_name is None else first_name)
    for i, v in enumerate(a.values):
        tag = a.tags[i] if i < len(a.tags) else a.tag
        nm = name if i == 0 else b""
        if tag == TAG_BEGIN_COLLECTION:
            out += bytes([tag]) + _u16(len(nm)) + nm + _u16(0)
            for member in v:
                mn = _enc_str(member.name)
                out += bytes([TAG_MEMBERNAME]) + _u16(0) + _u16(len(mn)) + mn
                out += encode_attr(member, first_name="")
            out += bytes([TAG_END_COLLECTION]) + _u16(0) + _u16(0)
        else:
            vb = encode_value(tag, v)
            out += bytes([tag]) + _u16(len(nm)) + nm + _u16(len(vb)) + vb
    return bytes(out)


def encode(msg):
    """Encodes a Message into bytes (header, groups, end tag, data)."""
    out = bytearray(struct.pack(">BBHi", msg.version[0], msg.version[1], msg.code,
                                msg.request_id))
    for gtag, attrs in msg.groups:
        out.append(gtag)
        for a in attrs:
            out += encode_attr(a)
    out.append(TAG_END)
    out += msg.data
    return bytes(out)


# Raw byte helpers for crafting malformed requests.
def raw_header(version=(2, 0), code=OP_GET_PRINTER_ATTRIBUTES, request_id=1):
    return struct.pack(">BBHi", version[0], version[1], code, request_id)


def raw_attr(tag, name, value, name_len=None, value_len=None):
    """One attribute record; name_len / value_len override the encoded lengths (lies)."""
    nb, vb = _enc_str(name), _enc_str(value)
    return (bytes([tag]) + _u16(len(nb) if name_len is None else name_len) + nb
            + _u16(len(vb) if value_len is None else value_len) + vb)


# ---------------------------------------------------------------------------------------------
# IPP decoding
# ---------------------------------------------------------------------------------------------

class IppDecodeError(Exception):
    pass


def decode_value(tag, vb):
    if tag in OUT_OF_BAND:
        return None
    if tag in (TAG_INTEGER, TAG_ENUM):
        if len(vb) != 4:
            raise IppDecodeError("integer of length %d" % len(vb))
        return struct.unpack(">i", vb)[0]
    if tag == TAG_BOOLEAN:
        if len(vb) != 1:
            raise IppDecodeError("boolean of length %d" % len(vb))
        return vb != b"\x00"
    if tag == TAG_RANGE:
        if len(vb) != 8:
            raise IppDecodeError("rangeOfInteger of length %d" % len(vb))
        return struct.unpack(">ii", vb)
    if tag == TAG_RESOLUTION:
        if len(vb) != 9:
            raise IppDecodeError("resolution of length %d" % len(vb))
        return struct.unpack(">iiB", vb)
    if tag == TAG_DATE:
        if len(vb) != 11:
            raise IppDecodeError("dateTime of length %d" % len(vb))
        y, mo, d, h, mi, s, ds, sign, zh, zm = struct.unpack(">HBBBBBBcBB", vb)
        return (y, mo, d, h, mi, s, ds, sign.decode("latin-1"), zh, zm)
    if tag in (TAG_TEXTLANG, TAG_NAMELANG):
        if len(vb) < 4:
            raise IppDecodeError("withLanguage value too short")
        ll = struct.unpack(">H", vb[:2])[0]
        lang = vb[2:2 + ll]
        tl = struct.unpack(">H", vb[2 + ll:4 + ll])[0]
        text = vb[4 + ll:4 + ll + tl]
        return (lang.decode("utf-8", "replace"), text.decode("utf-8", "replace"))
    if tag in STRING_TAGS or 0x40 <= tag <= 0x5F:
        return vb.decode("utf-8", "replace")
    return bytes(vb)


class _Reader:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def need(self, n, what):
        if self.pos + n > len(self.buf):
            raise IppDecodeError("truncated in %s at offset %d" % (what, self.pos))

    def byte(self, what):
        self.need(1, what)
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def u16(self, what):
        self.need(2, what)
        v = struct.unpack(">H", self.buf[self.pos:self.pos + 2])[0]
        self.pos += 2
        return v

    def take(self, n, what):
        self.need(n, what)
        v = self.buf[self.pos:self.pos + n]
        self.pos += n
        return v

    def peek(self):
        return self.buf[self.pos] if self.pos < len(self.buf) else None


def _read_record(r):
    """Reads one (tag, name, value-bytes) record; tag already peeked not consumed."""
    tag = r.byte("value tag")
    if tag == TAG_EXTENSION:
        pass
    nl = r.u16("name length")
    name = r.take(nl, "name").decode("utf-8", "replace")
    vl = r.u16("value length")
    vb = bytes(r.take(vl, "value"))
    return tag, name, vb


def _read_collection(r):
    """Reads collection members after a begCollection record, up to its endCollection."""
    members = []
    current = None
    for _ in range(100000):
        tag = r.peek()
        if tag is None:
            raise IppDecodeError("unterminated collection")
        if tag == TAG_END_COLLECTION:
            _read_record(r)
            return members
        t, name, vb = _read_record(r)
        if t == TAG_MEMBERNAME:
            current = Attr(vb.decode("utf-8", "replace"), None, [])
            current.tags = []
            members.append(current)
            continue
        if current is None:
            raise IppDecodeError("collection value without member name")
        if t == TAG_BEGIN_COLLECTION:
            val = _read_collection(r)
        else:
            val = decode_value(t, vb)
        if current.tag is None:
            current.tag = t
        current.values.append(val)
        current.tags.append(t)
    raise IppDecodeError("collection too large")


def decode(buf, strict_end=True):
    """Decodes a full IPP message. Returns a Message whose .data holds bytes after the end tag."""
    buf = bytes(buf)
    r = _Reader(buf)
    major = r.byte("version")
    minor = r.byte("version")
    code = r.u16("status/operation code")
    r.need(4, "request-id")
    rid = struct.unpack(">i", r.take(4, "request-id"))[0]
    msg = Message((major, minor), code, rid, [])
    cur = None
    last = None
    for _ in range(1000000):
        tag = r.peek()
        if tag is None:
            if strict_end:
                raise IppDecodeError("no end-of-attributes tag")
            break
        if tag == TAG_END:
            r.pos += 1
            break
        if tag < 0x10:
            r.pos += 1
            cur = []
            msg.groups.append((tag, cur))
            last = None
            continue
        if cur is None:
            raise IppDecodeError("attribute before any group tag")
        t, name, vb = _read_record(r)
        if t == TAG_BEGIN_COLLECTION:
            val = _read_collection(r)
        else:
            val = decode_value(t, vb)
        if name == "":
            if last is None:
                raise IppDecodeError("additional value without attribute")
            last.values.append(val)
            last.tags.append(t)
        else:
            last = Attr(name, t, [val])
            cur.append(last)
    msg.data = buf[r.pos:]
    return msg


# ---------------------------------------------------------------------------------------------
# IPP request builders
# ---------------------------------------------------------------------------------------------

_request_ids = iter(range(1, 1 << 30))


def ipp_request(op, uri=None, user=None, version=(2, 0), request_id=None, op_attrs=(),
                job_attrs=(), data=b"", charset="utf-8", language="en", uri_attr="printer-uri"):
    """Builds a request with the standard first attributes.

    op_attrs / job_attrs: iterables of Attr or (name, tag, values) tuples.
    """
    msg = Message(version, op, next(_request_ids) if request_id is None else request_id)
    ops = msg.group(TAG_OPERATION)
    if charset is not None:
        ops.append(Attr("attributes-charset", TAG_CHARSET, charset))
    if language is not None:
        ops.append(Attr("attributes-natural-language", TAG_LANGUAGE, language))
    if uri is not None:
        ops.append(Attr(uri_attr, TAG_URI, uri))
    if user is not None:
        ops.append(Attr("requesting-user-name", TAG_NAME, user))
    for a in op_attrs:
        ops.append(a if isinstance(a, Attr) else Attr(*a))
    if job_attrs:
        jg = msg.group(TAG_JOB)
        for a in job_attrs:
            jg.append(a if isinstance(a, Attr) else Attr(*a))
    msg.data = data
    return msg


def job_attrs_ops(job_id=None, job_uri=None):
    """Operation attributes that target a job: job-id (with printer-uri) or job-uri."""
    out = []
    if job_uri is not None:
        out.append(Attr("job-uri", TAG_URI, job_uri))
    if job_id is not None:
        out.append(Attr("job-id", TAG_INTEGER, job_id))
    return out


# ---------------------------------------------------------------------------------------------
# Test documents
# ---------------------------------------------------------------------------------------------

PDF_HEAD = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")

# An 8x8 gray baseline JPEG (made with ghostscript, ICC segment removed): 331 bytes.
JPEG_SMALL = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIs"
    "IxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAAIAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcI"
    "CQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcY"
    "GRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKj"
    "pKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AEr/"
    "2Q==")


def filler(n, seed=0):
    """n deterministic pseudo-random bytes."""
    rnd = random.Random(seed)
    return rnd.randbytes(n) if hasattr(rnd, "randbytes") else bytes(
        rnd.getrandbits(8) for _ in range(n))


def make_pdf(size=2048, seed=0):
    """A small valid PDF, padded with a PDF comment block after %%EOF to `size` bytes."""
    body = PDF_HEAD
    if size > len(body):
        pad = filler(size - len(body), seed)
        body += pad
    return body


def make_jpeg(size=0, seed=0):
    """A valid JPEG; if size > its length, filler follows the EOI marker (still JPEG-typed)."""
    if size <= len(JPEG_SMALL):
        return JPEG_SMALL
    return JPEG_SMALL + filler(size - len(JPEG_SMALL), seed)


def make_pwg(size=4096, seed=0):
    return b"RaS2" + filler(max(0, size - 4), seed)


def make_urf(size=4096, seed=0):
    return b"UNIRAST\x00" + filler(max(0, size - 8), seed)


def sha256(b):
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------------------------------------
# HTTP over raw sockets
# ---------------------------------------------------------------------------------------------

class HttpError(Exception):
    pass


class HttpResponse:
    def __init__(self, status, reason, headers, body, interim=None):
        self.status = status
        self.reason = reason
        self.headers = headers          # dict, lower-case names -> last value
        self.body = body
        self.interim = interim or []    # interim 1xx status codes seen

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def ipp(self):
        """Decodes the body as IPP (raises IppDecodeError)."""
        return decode(self.body)

    def __repr__(self):
        return "HttpResponse(%d %s, %d body bytes)" % (self.status, self.reason, len(self.body))


class HttpConn:
    """One HTTP/1.1 connection over a raw socket (keep-alive capable)."""

    def __init__(self, port, host="127.0.0.1", timeout=30.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rbuf = bytearray()
        self.bytes_sent = 0
        self.early_response = False     # server answered before the body was fully sent
        self.got_continue = False       # a 100 Continue came after Expect: 100-continue

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- low level ---
    def send(self, data):
        self.sock.sendall(data)
        self.bytes_sent += len(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for response")
        self.sock.settimeout(min(remaining, self.timeout))
        chunk = self.sock.recv(65536)
        self.sock.settimeout(self.timeout)
        if not chunk:
            raise ConnectionResetError("connection closed by server")
        self.rbuf += chunk

    def _readline(self, deadline, limit=65536):
        for _ in range(100000):
            i = self.rbuf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.rbuf[:i])
                del self.rbuf[:i + 2]
                return line
            if len(self.rbuf) > limit:
                raise HttpError("header line too long")
            self._fill(deadline)
        raise HttpError("too many reads for one line")

    def _readn(self, n, deadline):
        for _ in range(10000000):
            if len(self.rbuf) >= n:
                out = bytes(self.rbuf[:n])
                del self.rbuf[:n]
                return out
            self._fill(deadline)
        raise HttpError("too many reads")

    def readable(self, wait=0.0):
        if self.rbuf:
            return True
        r, _, _ = select.select([self.sock], [], [], wait)
        return bool(r)

    def read_head(self, deadline):
        """Reads one status line + headers. Returns (status, reason, headers)."""
        line = self._readline(deadline)
        for _ in range(10):
            if line:
                break
            line = self._readline(deadline)
        parts = line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HttpError("bad status line %r" % line[:100])
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = {}
        for _ in range(1000):
            h = self._readline(deadline)
            if not h:
                break
            k, _, v = h.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, reason, headers

    def read_response(self, timeout=None, head_only=False, method="POST"):
        """Reads a full response, skipping interim 1xx responses."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        interim = []
        for _ in range(20):
            status, reason, headers = self.read_head(deadline)
            if 100 <= status < 200:
                interim.append(status)
                continue
            break
        else:
            raise HttpError("too many interim responses")
        if method == "HEAD" or status in (204, 304):
            return HttpResponse(status, reason, headers, b"", interim)
        te = headers.get("transfer-encoding", "").lower()
        if "chunked" in te:
            body = bytearray()
            for _ in range(10000000):
                sz = self._readline(deadline).split(b";")[0].strip()
                n = int(sz, 16)
                if n == 0:
                    for _ in range(1000):     # trailers
                        if not self._readline(deadline):
                            break
                    break
                body += self._readn(n, deadline)
                self._readline(deadline)
            body = bytes(body)
        elif "content-length" in headers:
            body = self._readn(int(headers["content-length"]), deadline)
        else:
            # read until close
            body = bytearray(self.rbuf)
            self.rbuf.clear()
            for _ in range(10000000):
                try:
                    self._fill(deadline)
                except (ConnectionResetError, ConnectionAbortedError):
                    break
                body += self.rbuf
                self.rbuf.clear()
            body = bytes(body)
        return HttpResponse(status, reason, headers, body, interim)

    # --- request ---
    def request(self, method, path, body=b"", headers=None, content_type="application/ipp",
                chunked=False, expect_continue=False, auth=None, timeout=None,
                chunk_size=65536, continue_timeout=5.0, extra_head=b""):
        """Sends one request and returns its HttpResponse.

        body: bytes, or an iterable of bytes (a generator streams it; with chunked=False the
        caller must then give Content-Length in headers). While sending, if the server answers
        early (e.g. 413 / an IPP error before the body is complete), sending stops and that
        response is returned (self.early_response is set).
        """
        hdrs = {"Host": "%s:%d" % (self.host, self.port)}
        if content_type is not None:
            hdrs["Content-Type"] = content_type
        if auth is not None:
            tok = base64.b64encode(("%s:%s" % auth).encode()).decode()
            hdrs["Authorization"] = "Basic " + tok
        is_bytes = isinstance(body, (bytes, bytearray))
        if chunked:
            hdrs["Transfer-Encoding"] = "chunked"
        elif is_bytes and (method != "GET" or body):
            hdrs["Content-Length"] = str(len(body))
        if expect_continue:
            hdrs["Expect"] = "100-continue"
        if headers:
            hdrs.update(headers)
        head = "%s %s HTTP/1.1\r\n" % (method, path)
        head += "".join("%s: %s\r\n" % (k, v) for k, v in hdrs.items() if v is not None)
        head = head.encode("latin-1") + extra_head + b"\r\n"
        self.early_response = False
        self.send(head)
        if expect_continue:
            deadline = time.monotonic() + continue_timeout
            status, reason, rh = None, None, None
            self.got_continue = False
            if self.readable(continue_timeout):
                status, reason, rh = self.read_head(deadline)
                if status == 100:
                    self.got_continue = True
                else:
                    # final answer without the body: read its body and return
                    self.rbuf[0:0] = self._rebuild_head(status, reason, rh)
                    self.early_response = True
                    return self.read_response(timeout)
            # no 100 in time: send the body anyway (RFC 7231 5.1.1)
        pieces = [body] if is_bytes else body
        try:
            for piece in pieces:
                if is_bytes:
                    view = memoryview(piece)
                    subs = (view[i:i + chunk_size] for i in range(0, max(len(view), 1), chunk_size))
                else:
                    subs = [piece]
                for sub in subs:
                    if not len(sub) and not is_bytes:
                        continue
                    if self.readable(0):
                        self.early_response = True
                        break
                    if chunked:
                        if len(sub):
                            self.send(b"%x\r\n" % len(sub) + bytes(sub) + b"\r\n")
                    else:
                        self.send(sub)
                if self.early_response:
                    break
            if chunked and not self.early_response:
                self.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.early_response = True
        try:
            return self.read_response(timeout)
        except (ConnectionResetError, ConnectionAbortedError) as e:
            raise ConnectionResetError(
                "%s %s: connection closed by the server without a (complete) response after "
                "%d bytes were sent%s (%s)" % (method, path, self.bytes_sent,
                                              ", the server stopped reading the body early"
                                              if self.early_response else "", e)) from None

    @staticmethod
    def _rebuild_head(status, reason, headers):
        h = "HTTP/1.1 %d %s\r\n" % (status, reason)
        h += "".join("%s: %s\r\n" % (k, v) for k, v in headers.items())
        return (h + "\r\n").encode("latin-1")

    def ipp(self, msg, path="/ipp/print", **kw):
        """Sends an IPP Message (or raw bytes) and decodes the answer. Returns (HttpResponse,
        Message or None)."""
        body = encode(msg) if isinstance(msg, Message) else msg
        resp = self.request("POST", path, body, **kw)
        m = None
        if resp.status == 200 and resp.header("content-type", "").startswith("application/ipp"):
            m = resp.ipp()
        return resp, m


def post_ipp(port, msg, path="/ipp/print", **kw):
    """One IPP request on a fresh connection. Returns the decoded Message; raises HttpError if
    the HTTP status is not 200."""
    with HttpConn(port) as c:
        resp, m = c.ipp(msg, path, **kw)
    if m is None:
        raise HttpError("HTTP %d %s for IPP request to %s (body %r)" % (
            resp.status, resp.reason, path, resp.body[:200]))
    return m


def post_raw(port, body, path="/ipp/print", **kw):
    """Raw bytes as an IPP POST; returns the HttpResponse."""
    with HttpConn(port) as c:
        return c.request("POST", path, body, **kw)


def post_httpclient(port, body, path="/ipp/print", headers=None, chunked=False, timeout=30):
    """The same POST through http.client (a second, independent HTTP implementation).
    Returns (status, headers dict, body bytes)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "application/ipp"}
        if headers:
            hdrs.update(headers)
        if chunked:
            if isinstance(body, (bytes, bytearray)):
                data = body

                def gen():
                    for i in range(0, len(data), 65536):
                        yield data[i:i + 65536]
                body = gen()
            conn.request("POST", path, body=body, headers=hdrs, encode_chunked=True)
        else:
            conn.request("POST", path, body=body, headers=hdrs)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Daemon control
# ---------------------------------------------------------------------------------------------

def free_port(avoid=None):
    """A TCP port free on 127.0.0.1 right now (other than `avoid`)."""
    for _ in range(20):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        finally:
            s.close()
        if port != avoid:
            return port
    raise OSError("no free port found")


def read_proc_status(pid):
    """Returns {'VmRSS': kB, 'VmHWM': kB, ...} for `pid` (empty dict if gone)."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.startswith("Vm") or k in ("Threads",):
                    parts = v.split()
                    if parts and parts[0].isdigit():
                        out[k] = int(parts[0])
    except OSError:
        pass
    return out


class DaemonError(Exception):
    pass


class Daemon:
    """One quired process with its own data dir and port."""

    all_started = []      # every Daemon object created (runner cleans up)

    def __init__(self, bindir, data_dir=None, port=None, config=None, log_level="debug",
                 extra_args=(), workdir=None, wrapper=None, analysis=False, dnssd=False,
                 tls_port=None):
        """analysis/dnssd: unless asked for, the test daemon neither renders documents (most
        tests submit synthetic bytes, not real PDFs) nor talks to an avahi-daemon (tests
        never advertise on the machine's real interfaces). tls_port: the HTTPS/IPPS port
        (default: another free port; 0 for no TLS listener)."""
        self.bindir = bindir
        self.analysis = analysis
        self.dnssd = dnssd
        self.workdir = workdir or tempfile.mkdtemp(prefix="quire-it-")
        self.data_dir = data_dir or os.path.join(self.workdir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.port = port or free_port()
        self.tls_port = tls_port if tls_port is not None else free_port(avoid=self.port)
        self.config_path = None
        if config is not None:
            self.write_config(config)
        self.log_level = log_level
        self.extra_args = list(extra_args)
        self.wrapper = list(wrapper) if wrapper else []   # e.g. ["strace", "-f", "-o", F, "--"]
        self.proc = None
        self.log_path = None
        self.starts = 0
        self.expected_exit = True
        if config is None:
            self.write_config("")
        Daemon.all_started.append(self)

    # --- configuration ---
    def write_config(self, text):
        """Writes the config file (str); {port}, {data_dir} are substituted. The [server]
        keys analysis and dnssd are set from the constructor unless the text sets them."""
        text = text.replace("{port}", str(self.port)).replace("{data_dir}", self.data_dir)
        extra = "".join("%s = off\n" % k for k, on in (("analysis", self.analysis),
                                                        ("dnssd", self.dnssd))
                        if not on and not re.search(r"(?m)^\s*%s\s*=" % k, text))
        if extra and re.search(r"(?m)^\[server\]\s*$", text):
            text = re.sub(r"(?m)^\[server\]\s*$", "[server]\n" + extra.rstrip("\n"), text, 1)
        elif extra:
            text = "[server]\n" + extra + "\n" + text
        self.config_path = os.path.join(self.workdir, "quired.conf")
        with open(self.config_path, "w") as f:
            f.write(text)
        return self.config_path

    @property
    def quired(self):
        return os.path.join(self.bindir, "quired")

    @property
    def quire_cli(self):
        return os.path.join(self.bindir, "quire")

    def args(self):
        a = [self.quired, "--data-dir", self.data_dir, "--port", str(self.port),
             "--tls-port", str(self.tls_port), "--listen", "127.0.0.1"]
        if self.log_level:
            a += ["--log-level", self.log_level]
        if self.config_path:
            a += ["--config", self.config_path]
        return a + self.extra_args

    # --- life cycle ---
    def start(self, timeout=15.0, wait=True):
        if self.proc is not None and self.proc.poll() is None:
            raise DaemonError("already running")
        if not os.access(self.quired, os.X_OK):
            raise DaemonError("no executable %s" % self.quired)
        self.starts += 1
        self.log_path = os.path.join(self.workdir, "quired-%d.log" % self.starts)
        logf = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.wrapper + self.args(), stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT)
        finally:
            logf.close()
        self.expected_exit = False
        if wait:
            self.wait_ready(timeout)
        return self

    @property
    def pid(self):
        """PID of quired itself (the wrapper's child when a wrapper is used)."""
        if not self.proc:
            return None
        if not self.wrapper:
            return self.proc.pid
        for _ in range(100):
            try:
                with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                return self.proc.pid
            time.sleep(0.02)
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=30):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])

    def log_text(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_ready(self, timeout=15.0):
        """Polls (bounded) until a Get-Printer-Attributes gets an HTTP answer."""
        deadline = time.monotonic() + timeout
        last = None
        for _ in range(int(timeout / 0.05) + 10):
            if self.proc.poll() is not None:
                raise DaemonError("quired exited during start (rc=%s); log:\n%s" % (
                    self.proc.returncode, self.log_tail()))
            try:
                with HttpConn(self.port, timeout=2.0) as c:
                    c.request("POST", "/ipp/print", encode(ipp_request(
                        OP_GET_PRINTER_ATTRIBUTES, self.uri(), "probe",
                        op_attrs=[("requested-attributes", TAG_KEYWORD, "printer-state")])),
                        timeout=2.0)
                return
            except (OSError, HttpError) as e:
                last = e
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        raise DaemonError("quired not ready after %.1fs (%s); log:\n%s" % (
            timeout, last, self.log_tail()))

    def stop(self, timeout=15.0):
        """SIGTERM and wait (bounded). Returns the exit code; raises if it would not stop."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.expected_exit = True
        target = self.pid
        os.kill(target, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            for p in {target, self.proc.pid}:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(10)
            raise DaemonError("quired did not exit within %.0fs of SIGTERM; killed" % timeout)

    def kill9(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.expected_exit = True
        target = self.pid
        os.kill(target, signal.SIGKILL)
        if target != self.proc.pid:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def hup(self):
        os.kill(self.pid, signal.SIGHUP)

    def restart(self, new_port=False, timeout=15.0):
        """Stops (SIGTERM) if running, then starts again on the same data dir."""
        if self.running():
            self.stop()
        if new_port:
            self.port = free_port()
            self.tls_port = free_port(avoid=self.port) if self.tls_port else 0
        self.start(timeout=timeout)
        return self

    def died_unexpectedly(self):
        """A description if the process ended without stop()/kill9() asking it to, else None."""
        if self.proc is None or self.expected_exit:
            return None
        rc = self.proc.poll()
        if rc is None:
            return None
        how = ("signal %d" % -rc) if rc < 0 else ("exit code %d" % rc)
        return "quired (pid %d) died unexpectedly: %s; log tail:\n%s" % (
            self.proc.pid, how, self.log_tail(20))

    def cleanup(self, keep=False):
        if self.running():
            try:
                self.stop(10)
            except DaemonError:
                pass
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def rss(self):
        """{'VmRSS': kB, 'VmHWM': kB}"""
        return read_proc_status(self.pid)

    # --- addressing ---
    def uri(self, queue=None):
        return "ipp://127.0.0.1:%d/ipp/print%s" % (self.port, "/" + queue if queue else "")

    def path(self, queue=None):
        return "/ipp/print" + ("/" + queue if queue else "")

    # --- IPP shortcuts ---
    def ipp(self, msg, queue=None, path=None, **kw):
        return post_ipp(self.port, msg, path or self.path(queue), **kw)

    def print_job(self, doc, user="tester", queue=None, fmt="application/pdf", name="job",
                  extra_ops=(), job_attrs=(), auth=None, compression=None, **kw):
        ops = [("job-name", TAG_NAME, name)]
        if fmt is not None:
            ops.append(("document-format", TAG_MIMETYPE, fmt))
        if compression is not None:
            ops.append(("compression", TAG_KEYWORD, compression))
        ops += list(extra_ops)
        req = ipp_request(OP_PRINT_JOB, self.uri(queue), user, op_attrs=ops,
                          job_attrs=job_attrs, data=doc)
        return self.ipp(req, queue, auth=auth, **kw)

    def create_job(self, user="tester", queue=None, name="job", auth=None, job_attrs=()):
        req = ipp_request(OP_CREATE_JOB, self.uri(queue), user,
                          op_attrs=[("job-name", TAG_NAME, name)], job_attrs=job_attrs)
        return self.ipp(req, queue, auth=auth)

    def send_document(self, job_id, doc, last=True, user="tester", queue=None,
                      fmt="application/pdf", auth=None, compression=None, **kw):
        ops = [("job-id", TAG_INTEGER, job_id), ("requesting-user-name", TAG_NAME, user),
               ("last-document", TAG_BOOLEAN, last)]
        if fmt is not None:
            ops.append(("document-format", TAG_MIMETYPE, fmt))
        if compression is not None:
            ops.append(("compression", TAG_KEYWORD, compression))
        req = ipp_request(OP_SEND_DOCUMENT, self.uri(queue), None, op_attrs=ops, data=doc)
        return self.ipp(req, queue, auth=auth, **kw)

    def job_op(self, op, job_id, user="tester", queue=None, auth=None, op_attrs=()):
        req = ipp_request(op, self.uri(queue), user,
                          op_attrs=[("job-id", TAG_INTEGER, job_id)] + list(op_attrs))
        return self.ipp(req, queue, auth=auth)

    def get_job_attrs(self, job_id, user="tester", queue=None, auth=None, requested=None):
        ops = []
        if requested:
            ops.append(("requested-attributes", TAG_KEYWORD, list(requested)))
        return self.job_op(OP_GET_JOB_ATTRIBUTES, job_id, user, queue, auth, ops)

    def get_jobs(self, user="tester", queue=None, which=None, my_jobs=None, limit=None,
                 requested=None, auth=None):
        ops = []
        if which is not None:
            ops.append(("which-jobs", TAG_KEYWORD, which))
        if my_jobs is not None:
            ops.append(("my-jobs", TAG_BOOLEAN, my_jobs))
        if limit is not None:
            ops.append(("limit", TAG_INTEGER, limit))
        if requested:
            ops.append(("requested-attributes", TAG_KEYWORD, list(requested)))
        req = ipp_request(OP_GET_JOBS, self.uri(queue), user, op_attrs=ops)
        return self.ipp(req, queue, auth=auth)

    def get_printer_attrs(self, queue=None, requested=None, user="tester"):
        ops = []
        if requested:
            ops.append(("requested-attributes", TAG_KEYWORD, list(requested)))
        req = ipp_request(OP_GET_PRINTER_ATTRIBUTES, self.uri(queue), user, op_attrs=ops)
        return self.ipp(req, queue)

    def answers(self):
        """True if Get-Printer-Attributes returns successful-ok."""
        try:
            m = self.get_printer_attrs(requested=["printer-state"])
            return m.status == STATUS_OK
        except (OSError, HttpError, IppDecodeError):
            return False

    # --- admin API ---
    def admin_token(self):
        p = os.path.join(self.data_dir, "admin.token")
        with open(p) as f:
            return f.read().strip()

    def api(self, path, token=True, method="GET"):
        """GET an admin API path. Returns (status, parsed JSON or raw body)."""
        hdrs = {}
        if token is True:
            hdrs["Authorization"] = "Bearer " + self.admin_token()
        elif token:
            hdrs["Authorization"] = "Bearer " + token
        with HttpConn(self.port) as c:
            r = c.request(method, path, b"", headers=hdrs, content_type=None)
        body = r.body
        try:
            body = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            pass
        return r.status, body

    def api_ok(self, path):
        st, body = self.api(path)
        if st != 200:
            raise DaemonError("admin API %s -> HTTP %d: %r" % (path, st, body))
        return body

    def api_jobs(self, which="all", queue=None):
        p = "/api/jobs?which=" + which + ("&queue=" + queue if queue else "")
        return self.api_ok(p)

    def api_job(self, job_id, which="all"):
        for j in self.api_jobs(which):
            if j.get("id") == job_id:
                return j
        return None

    # --- spool inspection ---
    @property
    def spool_dir(self):
        return os.path.join(self.data_dir, "spool")

    def spool_files(self):
        """Relative paths of every file under DIR/spool except DIR/spool/tmp."""
        out = []
        root = self.spool_dir
        if not os.path.isdir(root):
            return out
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            if rel == "tmp" or rel.startswith("tmp" + os.sep):
                continue
            for fn in filenames:
                out.append(os.path.normpath(os.path.join(rel, fn)))
        return sorted(out)

    def tmp_files(self):
        p = os.path.join(self.spool_dir, "tmp")
        if not os.path.isdir(p):
            return []
        out = []
        for dirpath, _, filenames in os.walk(p):
            out.extend(os.path.join(dirpath, f) for f in filenames)
        return sorted(out)

    def wait_tmp_empty(self, timeout=5.0):
        """Bounded wait until DIR/spool/tmp has no file. Returns the leftover list."""
        deadline = time.monotonic() + timeout
        left = self.tmp_files()
        for _ in range(int(timeout / 0.1) + 1):
            left = self.tmp_files()
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return left

    def spool_sha256(self, rel):
        h = hashlib.sha256()
        with open(os.path.join(self.spool_dir, rel), "rb") as f:
            for _ in range(1 << 20):
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
        return h.hexdigest()

    def cli(self, *args, timeout=30, use_url=False):
        """Runs build/quire with --data-dir DIR (use_url False), --url URL (use_url True) or
        both (use_url "both"). Returns CompletedProcess (text)."""
        base = [self.quire_cli]
        if use_url in (False, "both"):
            base += ["--data-dir", self.data_dir]
        if use_url in (True, "both"):
            base += ["--url", "http://127.0.0.1:%d" % self.port]
        return subprocess.run(base + list(args), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------
# Test registry / runner
# ---------------------------------------------------------------------------------------------

class TestFailure(Exception):
    pass


def check(cond, msg, *fmt):
    if not cond:
        raise TestFailure(msg % fmt if fmt else msg)


def check_eq(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


def check_status(m, expected, what):
    """`expected`: one status code or a collection of acceptable ones."""
    exp = expected if isinstance(expected, (set, list, tuple, frozenset)) else (expected,)
    if m.status not in exp:
        raise TestFailure("%s: expected %s, got %s" % (
            what, " or ".join(status_name(e) for e in exp), m.describe()))



# ---- job analysis (core/analyzer.c) --------------------------------------------------------

def value(job, name):
    a = job.get(name)
    return a.value if a is not None and a.values else None


def wait_job(d, job_id, pred, what, timeout=30, queue="office", user="alice"):
    """Polls Get-Job-Attributes (bounded) until pred(job) holds; returns the job."""
    deadline = time.monotonic() + timeout
    job = None
    while time.monotonic() < deadline:
        m = d.get_job_attrs(job_id, user=user, queue=queue)
        job = m.jobs()[0] if m.status == STATUS_OK and m.jobs() else None
        if job is not None and pred(job):
            return job
        time.sleep(0.1)
    raise TestFailure("job %d: %s not reached in %d s (last: %s)" % (
        job_id, what, timeout, {k: (v.values if v else None) for k, v in (job or {}).items()
                                if k.startswith("job-")}))


def analysed(job):
    return value(job, "job-pages") is not None and job["job-pages"].tag != TAG_NOVALUE


def aborted(job):
    return value(job, "job-state") == 8

_TESTS = []


def test(fn):
    """Registers a test function taking one argument, the Context."""
    _TESTS.append(fn)
    return fn


class Context:
    def __init__(self, args):
        self.bindir = os.path.abspath(args.bin)
        self.keep = args.keep
        self.verbose = args.verbose
        self.daemons = []

    def daemon(self, config=None, start=True, **kw):
        """A new quired with its own mkdtemp data dir and free port (stopped after the test)."""
        d = Daemon(self.bindir, config=config, **kw)
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def log(self, *a):
        print("    " + " ".join(str(x) for x in a), flush=True)


def run_tests(description=""):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "..", "build"),
                    help="folder holding quired and quire (default: build/)")
    ap.add_argument("-k", dest="filter", default=None, help="run tests whose name contains this")
    ap.add_argument("--keep", action="store_true", help="keep data dirs and logs")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    passed = failed = 0
    for fn in _TESTS:
        if args.filter and args.filter not in fn.__name__:
            continue
        ctx = Context(args)
        t0 = time.monotonic()
        err = None
        try:
            fn(ctx)
        except TestFailure as e:
            err = str(e)
        except Exception as e:     # noqa: BLE001 - any error is a failure with its reason
            err = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=4))
        # the daemon must not have died under the test, and must stop on SIGTERM
        for d in ctx.daemons:
            died = d.died_unexpectedly()
            if died and not err:
                err = died
            elif died:
                err += "\n" + died
            try:
                rc = d.stop(15)
                if rc not in (0, None, -signal.SIGTERM) and not d.expected_exit and not err:
                    pass
            except DaemonError as e:
                err = (err + "\n" if err else "") + str(e)
        dt = time.monotonic() - t0
        if err is None:
            passed += 1
            print("PASS %s (%.1fs)" % (fn.__name__, dt), flush=True)
        else:
            failed += 1
            print("FAIL %s (%.1fs): %s" % (fn.__name__, dt, err.rstrip()), flush=True)
            for d in ctx.daemons:
                if d.log_path:
                    if args.keep:
                        print("    log: %s" % d.log_path)
                    elif args.verbose:
                        print("    log tail:\n" + d.log_tail(15))
        for d in ctx.daemons:
            d.cleanup(keep=args.keep)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
