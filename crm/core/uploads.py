"""Documents people attach (agenda documents, campaign attachments): checked by extension and by
content (a renamed .exe is no PDF), with a size limit, each problem said in words."""
from flask_babel import gettext as _

from crm.core.errors import DomainError

DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def megabytes(size: int) -> str:
    """6815744 -> "6,5" (German decimal comma, one place)."""
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def check_document(filename: str, data: bytes, max_bytes: int, field: str = "file") -> tuple[str, str]:
    """(the file name without any path, its content type); DomainError for what is wrong."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if not name or not data:
        raise DomainError(_("Please choose a file."), field=field)
    if len(data) > max_bytes:
        raise DomainError(_("The file is too large (%(size)s MB; at most %(limit)s MB).",
                            size=megabytes(len(data)), limit=max_bytes // 1024 // 1024), field=field)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = DOCUMENT_TYPES.get(extension)
    if kind is None:
        raise DomainError(_("Documents can be PDF, Word, Excel, PowerPoint, OpenDocument text, PNG or JPEG "
                            "files; “%(name)s” is none of these.", name=name), field=field)
    content_type, magic = kind
    if not data.startswith(magic):
        raise DomainError(_("“%(name)s” is not a real %(kind)s file.", name=name, kind=extension[1:].upper()),
                          field=field)
    return name, content_type
