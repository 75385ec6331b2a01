"""Minutes uploads: the type is read from the content, never from the name or the browser's claim."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import MinutesAttachment

Kind = MinutesAttachment.Kind
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # a 10 MB document that unpacks to more is a zip bomb
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff(upload) -> str:
    """Return the kind of an uploaded minutes file, or refuse it with a Danish message."""
    limit = settings.MINUTES_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("Filen er for stor (%(size)s MB). Den må højst fylde %(limit)s MB.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024)}
        )
    if upload.size == 0:
        raise ValidationError(_("Filen er tom."))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head.startswith(b"PK\x03\x04"):
        kind = _office_kind(upload)
        upload.seek(0)
        if kind:
            return kind
    raise ValidationError(
        _("Filtypen kendes ikke. Upload referatet som PDF, Word (DOCX) eller OpenDocument (ODT).")
    )


def _office_kind(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
                raise ValidationError(_("Filen kan ikke læses: den pakker sig ud til en urimelig størrelse."))
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return Kind.DOCX
            if "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return Kind.ODT
    except (zipfile.BadZipFile, OSError, KeyError):
        raise ValidationError(_("Filen er beskadiget og kan ikke læses.")) from None
    return None


FILENAME_MAX = 150


def safe_filename(name: str) -> str:
    """A display name for downloads: no path, no control characters, bounded length. A long name is
    cut before its extension, so the download still opens in the right program."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*;').strip(" .")
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            name = f"{stem[: FILENAME_MAX - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            name = name[:FILENAME_MAX]
    return name or "referat"
